"""Grouping ticket vectors: average-linkage clustering that does not chain, in blocks.

Pure: takes unit vectors (rows, cosine = dot product), returns labels; no database, no clock.

Why average linkage with a distance threshold: two tickets join only when the groups they
are in are close on average, so one ambiguous ticket cannot chain two topics together (the
connected-components baseline does exactly that); and a threshold, unlike a number of
clusters, means the same thing on 100 tickets and on 100,000. Measured on the evaluation
sets (bench/mining_quality.py, bench/RESULTS.md).

Average linkage costs O(n²) memory and time, so past BLOCK tickets the vectors are first
split by k-means into blocks of about BLOCK, grouped within each block, and the groups of
all blocks are then merged by the same rule on their mean vectors: for unit vectors the mean
similarity of two groups is the dot product of their means, so the merge is exact where
block grouping was, approximate only in which pairs it could see.
"""

import numpy as np
from sklearn.cluster import AgglomerativeClustering, MiniBatchKMeans

# Two groups merge while their tickets' mean cosine distance is below this (1 - similarity).
THRESHOLD = 0.75
# Largest set clustered in one piece: 8,000² distances take about 500 MB as float64.
BLOCK = 8_000
# Block size used once a set is larger than BLOCK: cost grows with n × block, not n².
SPLIT_BLOCK = 2_000
NOISE = -1


def cluster(vectors: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    """A label per row; rows in no group of two or more get NOISE."""
    n = len(vectors)
    if n < 2:
        return np.full(n, NOISE)
    labels = _linked(vectors, threshold) if n <= BLOCK else _in_blocks(vectors, threshold)
    return _drop_singletons(labels)


def _in_blocks(vectors: np.ndarray, threshold: float) -> np.ndarray:
    n = len(vectors)
    blocks = MiniBatchKMeans(
        n_clusters=max(2, n // SPLIT_BLOCK), random_state=0, n_init=1, batch_size=4096
    ).fit_predict(vectors)
    labels = np.full(n, NOISE)
    next_label = 0
    for block in np.unique(blocks):
        rows = np.flatnonzero(blocks == block)
        if len(rows) < 2:
            continue
        inner = _drop_singletons(
            _linked(vectors[rows], threshold)
            if len(rows) <= BLOCK
            else _in_blocks(vectors[rows], threshold)
        )
        grouped = inner != NOISE
        labels[rows[grouped]] = inner[grouped] + next_label
        next_label += int(inner.max()) + 1 if grouped.any() else 0
    return _merge_groups(vectors, labels, threshold)


def _merge_groups(vectors: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    """Merge groups found in different blocks whose tickets are close on average."""
    names = np.unique(labels[labels != NOISE])
    if len(names) < 2:
        return labels
    means = np.stack([vectors[labels == name].mean(axis=0) for name in names])
    if len(names) <= BLOCK:
        merged = _linked(means, threshold)
    else:  # too many to compare all: merge only within k-means blocks of the means
        merged = np.arange(len(names))
        unit = means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
        blocks = MiniBatchKMeans(
            n_clusters=len(names) // SPLIT_BLOCK + 1, random_state=0, n_init=1
        ).fit_predict(unit)
        for block in np.unique(blocks):
            rows = np.flatnonzero(blocks == block)
            if len(rows) > 1:
                merged[rows] = _linked(means[rows], threshold) + len(names) * (block + 1)
    result = labels.copy()
    for target in np.unique(merged):
        members = names[merged == target]
        if len(members) > 1:
            result[np.isin(labels, members)] = members[0]
    return result


def _linked(means: np.ndarray, threshold: float) -> np.ndarray:
    """Average linkage on cosine distance. Rows may be tickets or the mean vectors of groups
    of tickets: the mean similarity of two groups' tickets is the dot product of their means."""
    if len(means) < 2:
        return np.zeros(len(means), dtype=int)
    distance = np.clip(1.0 - means @ means.T, 0.0, 2.0)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold
    )
    return model.fit_predict(distance)


def _drop_singletons(labels: np.ndarray) -> np.ndarray:
    labels = np.asarray(labels)
    out = np.full(len(labels), NOISE)
    grouped = labels != NOISE
    if not grouped.any():
        return out
    _, inverse, counts = np.unique(labels[grouped], return_inverse=True, return_counts=True)
    keep = counts[inverse] > 1
    rows = np.flatnonzero(grouped)[keep]
    _, out[rows] = np.unique(inverse[keep], return_inverse=True)
    return out


def nearest_group(vectors: np.ndarray, sums: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """For each vector, the group it would join by the same rule (its mean similarity to the
    group's tickets passes the threshold), else NOISE. `sums` are the groups' vector sums."""
    if len(sums) == 0 or len(vectors) == 0:
        return np.full(len(vectors), NOISE)
    mean = (vectors @ sums.T) / sizes[None, :]
    best = mean.argmax(axis=1)
    passes = mean[np.arange(len(vectors)), best] >= 1.0 - THRESHOLD
    return np.where(passes, best, NOISE)
