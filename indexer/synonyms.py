"""Groups of equivalent terms, applied to queries (never to the index, so editing them needs
no reindex).

A term is a word or a phrase ("вайфай", "беспроводная сеть", "wi-fi"); it is matched in a
query by the stems of its words, so "беспроводной сети" matches "беспроводная сеть". When one
term of a group is in the query, the other terms are searched too, weighed below what was
typed. A term made only of stop words ("ПО") is matched only when typed in capitals: "по" is
a preposition in almost every Russian query.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from indexer.analysis import WORD_RE, code_variants, fold, is_indexed_word, stem

# Most terms a query can gain from synonyms: a pasted text must not explode.
MAX_EXPANSIONS = 32


def _keys(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(stem(w) if is_indexed_word(w) else w for w in words)


@dataclass(frozen=True)
class Expansion:
    terms: dict[str, float]  # stems of the other terms' words -> weight
    codes: dict[str, float]  # joined code forms of the other terms -> weight
    covered: frozenset[str]  # query words a synonym matched (known, though the index lacks them)


@dataclass
class Synonyms:
    """Equivalent terms, by the stem keys of their words; ``version`` names this state."""

    groups: list[tuple[str, ...]]
    version: object = None
    _by_first: dict[str, list[tuple[tuple[str, ...], int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for number, group in enumerate(self.groups):
            for term in group:
                keys = _keys(WORD_RE.findall(fold(term)))
                if keys:
                    self._by_first.setdefault(keys[0], []).append((keys, number))

    @classmethod
    def of(cls, groups: Iterable[Iterable[str]], version: object = None) -> "Synonyms":
        cleaned = [tuple(t.strip() for t in g if t.strip()) for g in groups]
        return cls([g for g in cleaned if len(g) > 1], version)

    def expand(self, words: tuple[str, ...], typed: str, weight: float) -> Expansion:
        """The other terms of every group a term of which is among ``words`` (folded, in
        order); ``typed`` is the query as typed, for the capitals of stop-word terms."""
        keys = _keys(words)
        shouted = {fold(w) for w in WORD_RE.findall(typed) if w.isupper() and len(w) > 1}
        terms: dict[str, float] = {}
        codes: dict[str, float] = {}
        covered: set[str] = set()
        for start, key in enumerate(keys):
            for phrase, number in self._by_first.get(key, ()):
                span = words[start : start + len(phrase)]
                if keys[start : start + len(phrase)] != phrase:
                    continue
                if not any(is_indexed_word(w) for w in span) and not set(span) <= shouted:
                    continue
                covered.update(span)
                for other in self.groups[number]:
                    other_words = WORD_RE.findall(fold(other))
                    if _keys(other_words) == phrase:
                        continue
                    for word in other_words:
                        if is_indexed_word(word) and len(terms) < MAX_EXPANSIONS:
                            terms.setdefault(stem(word), weight)
                    for code in code_variants(other, query=True):
                        codes.setdefault(code, weight)
        return Expansion(terms, codes, frozenset(covered))


NONE = Synonyms([])
