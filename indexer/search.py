"""Searching within what a viewer may see: hits, snippets, facets, corrections, completions.

The viewer's groups become a set of visible document numbers (cached per searcher) that
filters the matching itself, so totals, pages, facets, snippets and corrections are all
computed over visible documents only.
"""

from dataclasses import dataclass

from whoosh import query as q

from indexer import schema
from indexer.analysis import is_indexed_word, stem, words
from indexer.index import SearchIndex
from indexer.querying import build as build_query
from indexer.querying import normalise_query, parse
from indexer.snippets import snippet
from indexer.spelling import did_you_mean
from indexer.view import IndexView

__all__ = ["Hit", "SearchResult", "normalise_query", "search", "suggest"]

# Prefix completions expand to at most this many title words, the most frequent first.
MAX_EXPANSIONS = 30
MAX_LIMIT = 100


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    snippet: str  # HTML: matched words in <mark>, everything else escaped
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
        snippet=snippet(stored.get(schema.BODY_TEXT) or "", stems) if stems is not None else "",
        score=float(score),
        language=stored.get(schema.LANGUAGE) or "",
        products=tuple(p for p in products.split(",") if p),
        category=stored.get(schema.CATEGORY) or None,
    )


def _matched(view: IndexView, whoosh_query: q.Query, allowed: set[int] | None) -> list[int]:
    """Every visible matching document number, unscored (for totals and facets)."""
    docs = view.searcher.docs_for_query(whoosh_query)
    if allowed is None:
        return list(docs)
    return [d for d in docs if d in allowed]


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
) -> SearchResult:
    """Search the articles the viewer may see; ``groups=None`` is an unrestricted viewer."""
    limit, offset = max(0, min(limit, MAX_LIMIT)), max(0, offset)
    parsed = parse(query)
    whoosh_query = build_query(parsed)
    empty = SearchResult(
        normalise_query(query), 0, [], {"product": [], "category": [], "language": []}, None
    )
    with index.view() as view:
        allowed = view.allowed(groups, _restrictions(product, language, category))
        correction = did_you_mean(view, parsed, allowed)
        if whoosh_query is None or (allowed is not None and not allowed):
            return SearchResult(empty.query, 0, [], empty.facets, correction)
        # Whoosh refuses limit 0; a caller asking only for the total and facets is valid.
        top = view.searcher.search(whoosh_query, limit=max(1, offset + limit), filter=allowed)
        matched = _matched(view, whoosh_query, allowed)
        stems = parsed.stems
        hits = [
            _hit(view, docnum, score, stems) for score, docnum in top.top_n[offset : offset + limit]
        ]
        return SearchResult(empty.query, len(matched), hits, view.count_facets(matched), correction)


def _completion_query(prefix: str, view: IndexView) -> q.Query | None:
    typed = words(prefix)
    if not typed or len(typed[-1]) < 2:
        return None
    reader = view.searcher.reader()
    expansions = sorted(
        (t.decode("utf-8") for t in reader.expand_prefix(schema.TITLE_WORDS, typed[-1])),
        key=lambda t: -reader.doc_frequency(schema.TITLE_WORDS, t),
    )[:MAX_EXPANSIONS]
    if not expansions:
        return None
    required = [q.Term(schema.TITLE, stem(w)) for w in typed[:-1] if is_indexed_word(w)]
    last = q.Or([q.Term(schema.TITLE_WORDS, t) for t in expansions])
    return q.And([*required, last]) if required else last


def suggest(
    index: SearchIndex, prefix: str, *, groups: frozenset[str] | None, limit: int = 8
) -> list[Hit]:
    """Titles the viewer may see that complete what they are typing (snippets empty)."""
    with index.view() as view:
        allowed = view.allowed(groups)
        completion = _completion_query(normalise_query(prefix), view)
        limit = min(limit, MAX_LIMIT)
        if completion is None or limit < 1 or (allowed is not None and not allowed):
            return []
        top = view.searcher.search(completion, limit=limit, filter=allowed)
        return [_hit(view, docnum, score, None) for score, docnum in top.top_n]
