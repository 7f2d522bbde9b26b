"""Postings and per-document values of a whole index as numpy arrays, for vectorised scoring.

Whoosh matches and scores one posting at a time in Python: a 1-3 word query matching half of
20,000 articles took 80-250 ms. Reading a term's postings into arrays (per segment, by
indexer.whoosh_internals) and scoring them with numpy does the same in a few milliseconds.
"""

from collections.abc import Callable

import numpy as np
from whoosh.reading import IndexReader

from indexer.segment_cache import Arrays, SegmentCache
from indexer.whoosh_internals import leaf_postings, segment_id

EMPTY_IDS = np.zeros(0, dtype=np.int32)
EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)


def _cached(
    cache: SegmentCache, scope: tuple, leaf: IndexReader, key: tuple, compute: Callable[[], Arrays]
) -> Arrays:
    segment = segment_id(leaf)
    if segment is None:
        return compute()
    return cache.get((*scope, segment, *key), compute)


def term_arrays(
    reader: IndexReader, field: str, term: str, cache: SegmentCache, scope: tuple
) -> tuple[np.ndarray, np.ndarray]:
    """Global document numbers containing ``term`` in ``field`` and the term's frequencies.

    ``scope`` (index folder, generation) prefixes the cache keys of the reader's segments.
    """
    ids, weights = [], []
    for leaf, offset in reader.leaf_readers():
        leaf_ids, leaf_weights = _cached(
            cache, scope, leaf, (field, term), lambda leaf=leaf: leaf_postings(leaf, field, term)
        )
        if len(leaf_ids):
            ids.append(leaf_ids + offset)
            weights.append(leaf_weights)
    if not ids:
        return EMPTY_IDS, EMPTY_WEIGHTS
    return np.concatenate(ids), np.concatenate(weights)


def vocabulary(
    reader: IndexReader, field: str, initial: str, cache: SegmentCache, scope: tuple
) -> list[np.ndarray]:
    """Per segment, the terms of ``field`` beginning with ``initial`` (an array of str).

    A segment's term list never changes, so it is read once (the spelling's candidates).
    """

    def read(leaf: IndexReader) -> tuple[np.ndarray]:
        terms = [t.decode("utf-8") for t in leaf.expand_prefix(field, initial)]
        return (np.array(terms, dtype=object),)

    return [
        _cached(cache, scope, leaf, ("vocabulary", field, initial), lambda leaf=leaf: read(leaf))[0]
        for leaf, _offset in reader.leaf_readers()
    ]


def alive_mask(reader: IndexReader) -> np.ndarray:
    """True for every live (not deleted) document number."""
    alive = np.ones(reader.doc_count_all(), dtype=bool)
    for leaf, offset in reader.leaf_readers():
        if leaf.has_deletions():
            for docnum in range(leaf.doc_count_all()):
                if leaf.is_deleted(docnum):
                    alive[offset + docnum] = False
    return alive


def _segment_lengths(leaf: IndexReader, field: str) -> tuple[np.ndarray]:
    length = leaf.doc_field_length
    return (
        np.array(
            # None when the document has nothing in the field
            [length(docnum, field) or 0 for docnum in range(leaf.doc_count_all())],
            dtype=np.float32,
        ),
    )


def field_lengths(reader: IndexReader, field: str, cache: SegmentCache, scope: tuple) -> np.ndarray:
    """Each document's length in ``field`` (terms), for BM25's length normalisation."""
    parts = [
        _cached(cache, scope, leaf, (field,), lambda leaf=leaf: _segment_lengths(leaf, field))[0]
        for leaf, _offset in reader.leaf_readers()
    ]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def keyword_codes(
    reader: IndexReader, field: str, postings: Callable[[str, str], tuple[np.ndarray, np.ndarray]]
) -> tuple[list[str], np.ndarray]:
    """Distinct values of a keyword field and, per document, the codes of its values.

    A (documents x most values per document) array padded with -1, so counting a facet over
    any set of documents is one bincount.
    """
    terms = reader.lexicon(field) if field in reader.schema else []
    values = [value for value in (t.decode("utf-8") for t in terms) if value]
    size = reader.doc_count_all()
    # With numpy, not a list per document: done at every searcher swap, the Python loop was
    # 80 of the 100 ms a swap took at 20,000 articles (publish-to-searchable under load).
    docs = [postings(field, value)[0] for value in values]
    ids = np.concatenate(docs) if docs else EMPTY_IDS
    numbers = np.repeat(np.arange(len(values), dtype=np.int32), [len(d) for d in docs])
    order = np.lexsort((numbers, ids))  # by document, then value
    ids, numbers = ids[order], numbers[order]
    per_doc = np.bincount(ids, minlength=size)
    first = np.concatenate(([0], np.cumsum(per_doc)[:-1]))
    codes = np.full((size, max(1, int(per_doc.max(initial=0)))), -1, dtype=np.int32)
    codes[ids, np.arange(len(ids)) - first[ids]] = numbers
    return values, codes


def value_codes(reader: IndexReader, field: str) -> np.ndarray:
    """Per document, a number for its value of a single-valued column field; -1 for none.

    Read from the field's column, a value a document: reading the postings of each distinct
    value instead took 6.3 s at 20,000 documents in pairs (under load), the column 0.04 s.
    """
    codes = np.full(reader.doc_count_all(), -1, dtype=np.int32)
    numbers: dict[str, int] = {}
    # Segment by segment: one without the column (only the meta document, say) has no values.
    for leaf, offset in reader.leaf_readers():
        if not leaf.has_column(field):
            continue
        column = leaf.column_reader(field)
        values = [numbers.setdefault(v, len(numbers)) if v else -1 for v in column]
        values = values[: leaf.doc_count_all()]
        codes[offset : offset + len(values)] = values
    return codes
