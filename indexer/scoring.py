"""BM25 scoring, term at a time over whole postings arrays.

The same formula Whoosh's BM25F applies per field (a sum over fields, each with its own
weight), computed with numpy over every matching document at once: totals and facets need
every match anyway, so nothing is gained by Whoosh's top-N skipping.
"""

import math

import numpy as np

from indexer import schema
from indexer.view import IndexView, Population

# Tuned on bench/relevance.py, the same for every set: help pages, FAQs and bug reports.
K1 = 1.2
B = 0.5
# A query written as a sentence (querying.ParsedQuery.sentence: a question, a report) scores
# the body with these instead: a body term saturates more slowly, so an article that keeps
# returning to the question's words beats one that names each once, and long bodies are
# normalised harder, as they match a sentence's many words by chance. Keyword queries
# ("колонтитулы, удаление") keep K1 and B: there a long page about the topic is no worse
# (bench/relevance.py: the LibreOffice sets lose 1.5-2 points with these, the others gain).
SENTENCE_SATURATION = {schema.BODY: (1.6, 0.75)}


def idf(documents: int, frequency: int) -> float:
    """BM25's inverse document frequency, never negative (Lucene's form)."""
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


def score(
    view: IndexView,
    weighted_terms: dict[str, float],
    population: Population,
    fields: dict[str, float] | None = None,
    *,
    sentence: bool = False,
) -> np.ndarray:
    """Each document's score for the query terms (term -> query weight); 0 where unmatched
    or outside ``population``, whose documents alone give the term statistics.
    ``sentence`` scores the body as for a query written as a sentence (see above)."""
    scores = np.zeros(view.size, dtype=np.float32)
    documents = max(1, population.count)
    for field, field_boost in (fields or schema.FIELD_BOOSTS).items():
        lengths, average = view.lengths[field], population.average_lengths[field]
        k1, b = SENTENCE_SATURATION.get(field, (K1, B)) if sentence else (K1, B)
        for term, weight in weighted_terms.items():
            ids, frequencies = view.postings(field, term)
            # Postings still list deleted documents until their segment is merged away, and
            # documents the viewer may not see: counting either would reveal them (and
            # deleted ones could make the frequency exceed the total: a negative idf).
            seen = population.mask[ids]
            ids, frequencies = ids[seen], frequencies[seen]
            frequency = len(ids)
            if not frequency:
                continue
            norm = k1 * (1 - b + b * lengths[ids] / average)
            gain = (weight * field_boost * idf(documents, frequency)) * (k1 + 1)
            scores[ids] += gain * frequencies / (frequencies + norm)
    return scores


def top(scores: np.ndarray, candidates: np.ndarray, count: int) -> list[tuple[float, int]]:
    """The ``count`` best (score, docnum) among candidates, best first, ties by docnum.

    Every candidate tied with the last place is kept until the final sort, so pages cut
    from the same query never repeat or skip a document.
    """
    if count <= 0 or not len(candidates):
        return []
    values = scores[candidates]
    if len(candidates) > count:
        kth = np.partition(values, len(values) - count)[len(values) - count]
        keep = values >= kth
        candidates, values = candidates[keep], values[keep]
    order = np.lexsort((candidates, -values))[:count]
    return [(float(values[i]), int(candidates[i])) for i in order]
