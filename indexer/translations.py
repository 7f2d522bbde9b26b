"""One article per translation group: an article and its translation are shown once.

When both match, the one in the viewer's language stays (else the better scored), ranked by
the better score of the two, and carries the other as a translation. Collapsing happens over
every match before a page is cut, so totals count a group once and pages neither repeat nor
skip. Only the documents passed in (already visible) are ever considered.
"""

from dataclasses import dataclass

import numpy as np

from indexer.view import IndexView


@dataclass(frozen=True)
class Collapsed:
    shown: np.ndarray  # the documents left, one per translation group, in docnum order
    hidden: np.ndarray  # the documents folded into another
    kept_by: np.ndarray  # for each of ``hidden``, the shown document that stands for it

    def translations_of(self, docnum: int) -> list[int]:
        return self.hidden[self.kept_by == docnum].tolist()


def collapse(
    view: IndexView, candidates: np.ndarray, scores: np.ndarray, language: str | None
) -> Collapsed:
    """``candidates`` with each translation group reduced to one document.

    ``scores`` is changed in place: a kept document takes its group's best score.
    """
    groups = view.translations[candidates]
    grouped = groups >= 0
    if np.count_nonzero(grouped) < 2:
        return Collapsed(candidates, _NONE, _NONE)
    members, keys = candidates[grouped], groups[grouped]
    other = ~_in_language(view, members, language)
    # Within a group: the viewer's language first, then the best score, then the docnum.
    order = np.lexsort((members, -scores[members], other, keys))
    members, keys = members[order], keys[order]
    first = np.ones(len(members), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    if first.all():
        return Collapsed(candidates, _NONE, _NONE)
    starts = np.flatnonzero(first)
    best = np.maximum.reduceat(scores[members], starts)
    kept = members[first]
    scores[kept] = best
    kept_by = members[np.maximum.accumulate(np.where(first, np.arange(len(members)), 0))]
    shown = np.sort(np.concatenate([candidates[~grouped], kept]))
    return Collapsed(shown, members[~first], kept_by[~first])


def facet_counts(view: IndexView, collapsed: Collapsed) -> dict[str, list[tuple[str, int]]]:
    """Facet counts as choosing each value would find them: a group counts once, and a folded
    translation counts for the values its shown partner lacks (its language, at least)."""
    counts = view.count_facets(collapsed.shown)
    if not len(collapsed.hidden):
        return counts
    for name, (values, codes) in view.facets.items():
        if not values:
            continue
        own, partner = codes[collapsed.hidden], codes[collapsed.kept_by]
        lacked = (own >= 0) & ~(own[:, :, None] == partner[:, None, :]).any(axis=2)
        extra = np.bincount(own[lacked], minlength=len(values))
        merged = dict(counts.get(name, []))
        for i in np.flatnonzero(extra):
            merged[values[i]] = merged.get(values[i], 0) + int(extra[i])
        counts[name] = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
    return counts


def _in_language(view: IndexView, docnums: np.ndarray, language: str | None) -> np.ndarray:
    values, codes = view.facets["language"]
    if language not in values:
        return np.zeros(len(docnums), dtype=bool)
    return codes[docnums, 0] == values.index(language)


_NONE = np.zeros(0, dtype=np.int64)
