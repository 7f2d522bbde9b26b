"""Text typed with the other keyboard layout switched on (ЙЦУКЕН and QWERTY, both ways).

"ghbynth" is "принтер" typed with the English layout on; "руддщ" is "hello" the other way.
The map is by key: the same physical key in each layout, including the keys that are
punctuation in one layout and letters in the other (",", ".", ";", "'", "[", "]", "`").
"""

_LATIN = "qwertyuiop[]asdfghjkl;'zxcvbnm,./`" + "?&^$@#"
_CYRILLIC = "йцукенгшщзхъфывапролджэячсмитьбю.ё" + ',?:;"№'

_TO_CYRILLIC = str.maketrans(_LATIN, _CYRILLIC)
_TO_LATIN = str.maketrans(_CYRILLIC + "е", _LATIN + "t")


def to_cyrillic(text: str) -> str:
    """What the keys pressed for ``text`` (lower case) give in the Russian layout."""
    return text.lower().translate(_TO_CYRILLIC)


def to_latin(text: str) -> str:
    """What the keys pressed for ``text`` (lower case) give in the English layout."""
    return text.lower().translate(_TO_LATIN)


def switched(text: str) -> str:
    """``text`` as typed with the other layout: whichever script has more letters is turned."""
    cyrillic = sum(1 for c in text if "а" <= c.lower() <= "я" or c in "ёЁ")
    latin = sum(1 for c in text if "a" <= c.lower() <= "z")
    return to_latin(text) if cyrillic > latin else to_cyrillic(text)
