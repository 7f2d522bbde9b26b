"""Word analysis for mixed Russian/English text.

Each word is analysed by its own script, whatever the article's language: Russian articles
quote English menu names and error messages, and Russian queries name products in Latin
letters, so one stemmer per article would mangle half the words.
"""

import re
from collections.abc import Iterator
from functools import lru_cache

import Stemmer
from whoosh.analysis import Analyzer, Token
from whoosh.lang.stopwords import stoplists

# \w keeps digits and underscores, so error codes (0x80070005) and identifiers survive.
WORD_RE = re.compile(r"\w+", re.UNICODE)
_CYRILLIC_RE = re.compile(r"[а-яА-ЯёЁ]")
_LATIN_RE = re.compile(r"[a-zA-Z]")

STOP_WORDS = frozenset(stoplists["ru"]) | frozenset(stoplists["en"])


def fold(text: str) -> str:
    """Lower-case and fold ё to е: Russian writers use the two letters interchangeably."""
    return text.lower().replace("ё", "е")


@lru_cache(maxsize=2)
def _stemmer(language: str) -> Stemmer.Stemmer:
    # PyStemmer (C) stems about 180x faster than Whoosh's pure-Python Snowball, with
    # identical output; made lazily because Stemmer objects cannot be pickled into the
    # rebuild's worker processes.
    return Stemmer.Stemmer(language)


@lru_cache(maxsize=1)
def _morphology():  # noqa: ANN202 (pymorphy3 has no type hints)
    # Made lazily, like the stemmers: loading the dictionary takes a fraction of a second
    # and ~15 MB, which processes that never analyse Russian need not pay.
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


def warm() -> None:
    """Load the Russian dictionary now (~0.5 s), not inside the first search or publish."""
    _morphology()


def lemma(word: str) -> str:
    """The dictionary form of a folded Russian word ("окон" -> "окно"), or the word itself
    when the dictionary does not know it (names, typos: the stemmer alone handles those)."""
    if not word.isalpha():
        return word
    try:
        parses = _morphology().parse(word)
    except ValueError:  # a letter without a Unicode name in this Python (a Tangut ideograph)
        return word
    if parses and parses[0].is_known:
        return fold(parses[0].normal_form)
    return word


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one folded word with the stemmer of its script (Cyrillic or Latin).

    A Russian word is first brought to its dictionary form (pymorphy3), then stemmed: the
    stemmer alone leaves forms with a changing stem apart ("окна" -> "окн", "окон" ->
    "окон"; "людей" and "человек"), which lemmatising joins; the stemmer still joins the
    forms the dictionary does not know. Measured on bench/relevance.py (RESULTS.md).
    """
    if _CYRILLIC_RE.search(word):
        return _stemmer("russian").stemWord(lemma(word))
    if _LATIN_RE.search(word):
        return _stemmer("english").stemWord(word)
    return word


def words(text: str) -> list[str]:
    """Folded words of ``text``, stop words included (for spelling and type-ahead)."""
    return WORD_RE.findall(fold(text))


def is_indexed_word(word: str) -> bool:
    """Whether analysis keeps a folded word: stop words and single letters carry no meaning."""
    return word not in STOP_WORDS and (len(word) > 1 or word.isdigit())


@lru_cache(maxsize=200_000)
def index_term(raw: str, stemming: bool = True) -> str | None:
    """The term a word as written is indexed under, or None for a stop word.

    Cached on the raw spelling: folding, the stop check and stemming together cost about a
    fifth of indexing time, and the same few thousand spellings make up most of any text.
    """
    word = fold(raw)
    if not is_indexed_word(word):
        return None
    return stem(word) if stemming else word


class MixedLanguageAnalyzer(Analyzer):
    """Tokenise, fold, drop stop words and stem, in one pass.

    One class instead of a chain of Whoosh filters: the chain builds a Token per step and is
    the main indexing cost after postings; this keeps the rebuild within its time budget.
    """

    def __init__(self, stemming: bool = True, stops: bool = False) -> None:
        self.stemming = stemming
        # Keep stop words (unstemmed title words only): a query of nothing but stop words
        # ("не", "the") still finds the titles that contain them.
        self.stops = stops
        # Russian words lemmatised before stemming (see stem): an index analysed without it
        # compares different, so it is rebuilt.
        self.lemmas = True

    def __eq__(self, other: object) -> bool:
        # getattr: an analyzer unpickled from an older index's schema lacks newer attributes,
        # and comparing it must say "different" (so that index is rebuilt), not fail.
        return (
            isinstance(other, MixedLanguageAnalyzer)
            and getattr(other, "stemming", None) == self.stemming
            and getattr(other, "stops", False) == self.stops
            and getattr(other, "lemmas", False) == getattr(self, "lemmas", False)
        )

    def __hash__(self) -> int:
        return hash((type(self), self.stemming, self.stops, getattr(self, "lemmas", False)))

    def __call__(  # the signature is Whoosh's
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        stemming = self.stemming
        stops = getattr(self, "stops", False)
        for match in WORD_RE.finditer(value):
            text = fold(match.group()) if stops else index_term(match.group(), stemming)
            if text is None:
                # Stop words still take a position, so phrases keep their gaps.
                pos += 1
                continue
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            if keeporiginal:
                token.original = match.group()
            pos += 1
            yield token


# Text parts the pair analyzer keeps apart (a title's last word and the body's first are no pair).
PART_BREAK = "\x1e"


def word_pairs(text: str) -> list[str]:
    """Neighbouring indexed words as one term each, in either order ("печат област").

    Stop words between them are skipped, so "выбор области печати" and "области для печати"
    both give "област печат": an article where the query's words stand together ranks above
    one that has them scattered (the proximity of query words, as terms BM25 can score).
    """
    found = []
    for part in text.split(PART_BREAK):
        previous = None
        for match in WORD_RE.finditer(part):
            term = index_term(match.group())
            if term is None:
                continue
            if previous is not None and previous != term:
                found.append(f"{min(previous, term)} {max(previous, term)}")
            previous = term
    return found


class _TermsAnalyzer(Analyzer):
    """An analyzer whose terms come whole from one function of the text (`terms`), with no
    tokenizer or filters; equal to any other of its own class."""

    def terms(self, value: str, mode: str) -> list[str]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(  # the signature is Whoosh's
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, text in enumerate(self.terms(value, mode)):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + pos
            yield token


class PairAnalyzer(_TermsAnalyzer):
    """Indexes the neighbouring word pairs of title and body (see word_pairs)."""

    def terms(self, value: str, mode: str) -> list[str]:
        return word_pairs(value)


# Parts of a product or model code: letters and digits, joined by at most one separator.
_CODE_PART_RE = re.compile(r"[^\W_]+")
_CODE_SEPARATORS = frozenset("-_./ ")
_MAX_CODE_PART = 12


def _mixed(text: str) -> bool:
    return any(c.isdigit() for c in text) and any(c.isalpha() for c in text)


def code_variants(text: str, *, query: bool = False) -> list[str]:
    """Joined forms of code-like words, so LP2040, LP-2040, lp 2040 and lp_2040 meet.

    A document gives each word that mixes letters and digits, each pair of neighbouring
    words joined across one of "-_./" when the pair mixes letters and digits or across a
    hyphen (wi-fi, e-mail), and a name and a number joined across a space. A query also
    gives each of its words alone, so "wifi" finds "wi-fi"; documents need not, as their words
    are in the body already.
    """
    folded = fold(text)
    parts = [(m.start(), m.end(), m.group()) for m in _CODE_PART_RE.finditer(folded)]
    found = []
    for i, (_start, end, part) in enumerate(parts):
        if len(part) > _MAX_CODE_PART:
            continue
        if (query and len(part) > 2) or _mixed(part):
            found.append(part)
        if i + 1 < len(parts):
            start, _end, after = parts[i + 1]
            gap = folded[end:start]
            if len(after) > _MAX_CODE_PART or len(gap) > 1 or (gap and gap not in _CODE_SEPARATORS):
                continue
            joined = part + after
            if gap == " ":
                # Across a space only a name then a number ("lp 2040"), never "2040 and".
                if part.isalpha() and after[0].isdigit():
                    found.append(joined)
            elif gap == "-" or _mixed(joined):
                found.append(joined)
    return found


class CodeAnalyzer(_TermsAnalyzer):
    """Indexes the joined forms of codes (see code_variants); nothing else."""

    def terms(self, value: str, mode: str) -> list[str]:
        return code_variants(value, query=mode == "query")
