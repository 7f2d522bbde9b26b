"""Searching within what a viewer may see: hits, snippets, facets, corrections, completions.

The viewer's groups become a mask of visible documents (cached per searcher) applied to the
matching itself, so totals, pages, facets, snippets and corrections only ever count
documents the viewer may see.
"""

from dataclasses import dataclass

import numpy as np

from indexer import schema
from indexer.analysis import is_indexed_word, stem, words
from indexer.index import SearchIndex
from indexer.layout import switched
from indexer.querying import (
    MAX_QUERY_CHARS,
    ParsedQuery,
    normalise_query,
    query_pairs,
    required_query,
)
from indexer.rewriting import plan
from indexer.scoring import score, top
from indexer.snippets import EMPTY, Snippet, snippet
from indexer.spelling import did_you_mean, nearest
from indexer.synonyms import NONE, Synonyms
from indexer.translations import Collapsed, collapse, facet_counts
from indexer.view import IndexView

__all__ = [
    "Hit",
    "SearchResult",
    "Snippet",
    "Synonyms",
    "Translation",
    "normalise_query",
    "search",
    "suggest",
]

MAX_LIMIT = 100
# Completions of the word being typed: at most this many title words, the most frequent.
MAX_EXPANSIONS = 30
# A query's preferred language (see search's ``prefer``) multiplies the score by this: enough
# to put a matching article in that language above a slightly better one in the other.
PREFER_BOOST = 1.5
# Articles tied to a product the viewer owns (see search's ``favour``) are multiplied by this:
# the same strength, so an owner's matching article passes a slightly better one of another
# product, while a much better article of another product still leads (a preference, never a
# filter). With a preferred language too, the two multiply.
FAVOUR_BOOST = 1.5


@dataclass(frozen=True)
class Translation:
    """A matching, visible translation folded into a hit (shown as "also in English")."""

    id: str
    language: str


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    snippet: Snippet  # empty for suggestions
    score: float
    language: str
    products: tuple[str, ...]
    category: str | None
    translations: tuple[Translation, ...] = ()


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]  # "product", "category", "language"
    did_you_mean: str | None
    # The query searched: differs from ``query`` when it was corrected or converted from the
    # other keyboard layout ("Showing results for ...; search instead for ...").
    searched_query: str | None = None

    @property
    def corrected(self) -> bool:
        return self.searched_query is not None and self.searched_query != self.query


def _restrictions(product: str | None, language: str | None, category: str | None) -> tuple:
    pairs = ((schema.PRODUCTS, product), (schema.LANGUAGE, language), (schema.CATEGORY, category))
    return tuple((field, value) for field, value in pairs if value)


def _hit(
    view: IndexView, docnum: int, score: float, stems: set[str] | None, collapsed: Collapsed
) -> Hit:
    stored = view.searcher.stored_fields(docnum)
    products = stored.get(schema.PRODUCTS) or ""
    return Hit(
        id=stored[schema.ID],
        title=stored.get(schema.TITLE) or "",
        snippet=snippet(stored.get(schema.BODY_TEXT) or "", stems) if stems is not None else EMPTY,
        score=score,
        language=stored.get(schema.LANGUAGE) or "",
        products=tuple(p for p in products.split(",") if p),
        category=stored.get(schema.CATEGORY) or None,
        translations=tuple(_translation(view, d) for d in collapsed.translations_of(docnum)),
    )


def _translation(view: IndexView, docnum: int) -> Translation:
    # Not the stored fields: unpickling a whole article (with its body) cost 0.9 ms a page.
    ids = view.ids
    found = ids[docnum] if ids is not None else view.searcher.stored_fields(docnum)[schema.ID]
    return Translation(found, view.language_of(docnum))


def _phrase_mask(view: IndexView, parsed: ParsedQuery) -> np.ndarray | None:
    required = required_query(parsed)
    if required is None:
        return None
    mask = np.zeros(view.size, dtype=bool)
    mask[list(view.searcher.docs_for_query(required))] = True
    return mask


def search(
    index: SearchIndex,
    query: str,
    *,
    groups: frozenset[str] | None,
    limit: int = 10,
    offset: int = 0,
    product: str | None = None,
    language: str | None = None,
    category: str | None = None,
    correct: bool = True,
    synonyms: Synonyms = NONE,
    prefer: str | None = None,
    favour: frozenset[str] = frozenset(),
    viewer_language: str | None = None,
) -> SearchResult:
    """Search the articles the viewer may see; ``groups=None`` is an unrestricted viewer.

    ``correct=False`` searches exactly what was typed (no layout, typo or "did you mean"
    work: two thirds of a related-articles search). ``prefer`` is a language whose articles
    rank higher, ``favour`` product codes whose articles do (the client's own). The query
    may keep its capitals (they mark abbreviations among synonyms). Of an article and its
    translation that both match, the one in ``viewer_language`` (else ``prefer``'s, else the
    better) is the one hit, and totals and facets count it once.
    """
    limit, offset = max(0, min(limit, MAX_LIMIT)), max(0, offset)
    text = normalise_query(query)
    with index.view() as view:
        # Term statistics over all the viewer may see, not only the filtered part: narrowing
        # by product must not change the scores of what remains.
        population = view.population(groups)
        visible = view.allowed(groups, _restrictions(product, language, category))
        typed = query[:MAX_QUERY_CHARS]
        planned = plan(view, text, visible, synonyms, correct=correct, typed=typed)
        scores = score(view, planned.terms, population, sentence=planned.parsed.sentence)
        if planned.codes:
            scores += score(view, planned.codes, population, {schema.CODES: 1.0})
        pairs = query_pairs(planned.parsed)
        if pairs:
            scores += score(view, pairs, population, {schema.PAIRS: schema.PAIR_BOOST})
        if planned.title_words:
            scores += score(view, planned.title_words, population, {schema.TITLE_WORDS: 1.0})
        matched = (scores > 0) & visible
        phrases = _phrase_mask(view, planned.parsed)
        if phrases is not None:
            matched &= phrases
        candidates = np.flatnonzero(matched)
        if prefer:
            _prefer(view, scores, candidates, prefer)
        _favour(view, scores, candidates, favour)
        collapsed = collapse(view, candidates, scores, viewer_language or prefer)
        best = top(scores, collapsed.shown, offset + limit)[offset:]
        stems = planned.parsed.stems | set(planned.terms)
        hits = [_hit(view, docnum, value, stems, collapsed) for value, docnum in best]
        facets = facet_counts(view, collapsed)
        correction = planned.did_you_mean
        if correct and correction is None and not len(candidates) and not planned.corrected:
            correction = did_you_mean(view, planned.parsed, visible)
    searched = planned.searched if planned.corrected else None
    return SearchResult(query, len(collapsed.shown), hits, facets, correction, searched)


def _prefer(view: IndexView, scores: np.ndarray, candidates: np.ndarray, language: str) -> None:
    values, codes = view.facets["language"]
    if language not in values:
        return
    preferred = candidates[codes[candidates, 0] == values.index(language)]
    scores[preferred] *= PREFER_BOOST


def _favour(view: IndexView, scores: np.ndarray, candidates: np.ndarray, products) -> None:
    if not products or not len(candidates):
        return
    tied = view.containing(schema.PRODUCTS, sorted(products))
    scores[candidates[tied[candidates]]] *= FAVOUR_BOOST


def query_language(query: str, interface: str | None) -> str | None:
    """The language a query prefers: Russian when it has Cyrillic letters, else the interface's
    when that is English (a Russian interface's Latin words are mostly product names)."""
    if any("а" <= c <= "я" or c == "ё" for c in query.lower()):
        return "ru"
    if interface == "en" and any("a" <= c <= "z" for c in query.lower()):
        return "en"
    return None


def _expansions(view: IndexView, typed: str) -> list[str]:
    reader = view.reader
    found = [t.decode("utf-8") for t in reader.expand_prefix(schema.TITLE_WORDS, typed)]
    found.sort(key=lambda t: -reader.doc_frequency(schema.TITLE_WORDS, t))
    return found[:MAX_EXPANSIONS]


def _forgiven(view: IndexView, typed: list[str], visible: np.ndarray) -> tuple[list, list]:
    """What was typed, converted from the other layout or with its last word corrected, when
    that completes to visible titles; (typed, []) otherwise."""
    converted = words(switched(" ".join(typed)))
    if converted and converted != typed:
        found = _expansions(view, converted[-1])
        if found:
            return converted, found
    if len(typed[-1]) >= 4 and typed[-1].isalpha():
        near = [n.word for n in nearest(view, typed[-1], visible) if n.word is not None]
        return typed, near[:MAX_EXPANSIONS]
    return typed, []


def suggest(
    index: SearchIndex,
    prefix: str,
    *,
    groups: frozenset[str] | None,
    limit: int = 8,
    favour: frozenset[str] = frozenset(),
    viewer_language: str | None = None,
) -> list[Hit]:
    """Titles the viewer may see that complete what they are typing (snippets empty); those
    of the ``favour`` products rank higher, as in search; of an article and its translation,
    the one in ``viewer_language``."""
    typed = words(normalise_query(prefix))
    limit = min(limit, MAX_LIMIT)
    if not typed or len(typed[-1]) < 2 or limit < 1:
        return []
    with index.view() as view:
        population = view.population(groups)
        expansions = _expansions(view, typed[-1])
        if not expansions:
            typed, expansions = _forgiven(view, typed, population.mask)
        matched = population.mask & view.containing(schema.TITLE_WORDS, expansions)
        for word in typed[:-1]:
            if is_indexed_word(word):
                matched &= view.containing(schema.TITLE, [stem(word)])
        terms = {stem(w): 1.0 for w in [*typed[:-1], *expansions] if is_indexed_word(w)}
        scores = score(view, terms, population, {schema.TITLE: 1.0})
        candidates = np.flatnonzero(matched)
        _favour(view, scores, candidates, favour)
        collapsed = collapse(view, candidates, scores, viewer_language)
        best = top(scores, collapsed.shown, limit)
        return [_hit(view, docnum, value, None, collapsed) for value, docnum in best]
