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
from indexer.querying import (
    ParsedQuery,
    normalise_query,
    parse,
    required_query,
    weighted_terms,
)
from indexer.scoring import score, top
from indexer.snippets import EMPTY, Snippet, snippet
from indexer.spelling import did_you_mean
from indexer.view import IndexView

__all__ = ["Hit", "SearchResult", "Snippet", "normalise_query", "search", "suggest"]

MAX_LIMIT = 100
# Completions of the word being typed: at most this many title words, the most frequent.
MAX_EXPANSIONS = 30


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    snippet: Snippet  # empty for suggestions
    score: float
    language: str
    products: tuple[str, ...]
    category: str | None


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]  # "product", "category", "language"
    did_you_mean: str | None


def _restrictions(product: str | None, language: str | None, category: str | None) -> tuple:
    pairs = ((schema.PRODUCTS, product), (schema.LANGUAGE, language), (schema.CATEGORY, category))
    return tuple((field, value) for field, value in pairs if value)


def _hit(view: IndexView, docnum: int, score: float, stems: set[str] | None) -> Hit:
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
    )


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
) -> SearchResult:
    """Search the articles the viewer may see; ``groups=None`` is an unrestricted viewer.

    ``correct=False`` skips "did you mean" (two thirds of a related-articles search).
    """
    limit, offset = max(0, min(limit, MAX_LIMIT)), max(0, offset)
    parsed = parse(query)
    terms = weighted_terms(parsed)
    with index.view() as view:
        # Term statistics over all the viewer may see, not only the filtered part: narrowing
        # by product must not change the scores of what remains.
        population = view.population(groups)
        visible = view.allowed(groups, _restrictions(product, language, category))
        correction = did_you_mean(view, parsed, visible) if correct else None
        scores = score(view, terms, population)
        matched = (scores > 0) & visible
        phrases = _phrase_mask(view, parsed)
        if phrases is not None:
            matched &= phrases
        candidates = np.flatnonzero(matched)
        best = top(scores, candidates, offset + limit)[offset:]
        hits = [_hit(view, docnum, value, parsed.stems) for value, docnum in best]
        facets = view.count_facets(candidates)
    return SearchResult(query, len(candidates), hits, facets, correction)


def _expansions(view: IndexView, typed: str) -> list[str]:
    reader = view.reader
    found = [t.decode("utf-8") for t in reader.expand_prefix(schema.TITLE_WORDS, typed)]
    found.sort(key=lambda t: -reader.doc_frequency(schema.TITLE_WORDS, t))
    return found[:MAX_EXPANSIONS]


def suggest(
    index: SearchIndex, prefix: str, *, groups: frozenset[str] | None, limit: int = 8
) -> list[Hit]:
    """Titles the viewer may see that complete what they are typing (snippets empty)."""
    typed = words(normalise_query(prefix))
    limit = min(limit, MAX_LIMIT)
    if not typed or len(typed[-1]) < 2 or limit < 1:
        return []
    with index.view() as view:
        expansions = _expansions(view, typed[-1])
        population = view.population(groups)
        matched = population.mask & view.containing(schema.TITLE_WORDS, expansions)
        for word in typed[:-1]:
            if is_indexed_word(word):
                matched &= view.containing(schema.TITLE, [stem(word)])
        terms = {stem(w): 1.0 for w in [*typed[:-1], *expansions] if is_indexed_word(w)}
        scores = score(view, terms, population, {schema.TITLE: 1.0})
        best = top(scores, np.flatnonzero(matched), limit)
        return [_hit(view, docnum, value, None) for value, docnum in best]
