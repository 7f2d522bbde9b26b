"""Average-linkage grouping: no chaining through a ticket between two topics, and the same
groups when a large set is split into k-means blocks and merged back."""

import numpy as np
import pytest

from tickets import clustering


def _topics(rng, topics=3, each=30, dims=24, spread=0.25) -> tuple[np.ndarray, np.ndarray]:
    centres = np.eye(dims)[:topics]
    points = np.repeat(centres, each, axis=0) + rng.normal(
        0, spread / np.sqrt(dims), (topics * each, dims)
    )
    return points / np.linalg.norm(points, axis=1, keepdims=True), np.repeat(
        np.arange(topics), each
    )


def _same_groups(labels: np.ndarray, truth: np.ndarray) -> bool:
    return all(len(set(labels[truth == t])) == 1 for t in np.unique(truth)) and len(
        set(labels)
    ) == len(np.unique(truth))


def test_well_separated_topics_are_found_and_loners_left_out():
    rng = np.random.default_rng(1)
    points, truth = _topics(rng)
    loner = np.zeros((1, points.shape[1]))
    loner[0, -1] = 1.0
    labels = clustering.cluster(np.vstack([points, loner]))
    assert _same_groups(labels[:-1], truth) and labels[-1] == clustering.NOISE


def test_a_ticket_between_two_topics_does_not_chain_them():
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    bridge = (a + b) / np.linalg.norm(a + b)
    points = np.vstack([a, a, a, bridge, b, b, b])
    labels = clustering.cluster(points)
    assert labels[0] != labels[-1]


@pytest.mark.parametrize("block", [40, 25])
def test_blocks_merge_back_into_the_same_groups(monkeypatch, block):
    rng = np.random.default_rng(2)
    points, truth = _topics(rng)
    monkeypatch.setattr(clustering, "BLOCK", block)
    monkeypatch.setattr(clustering, "SPLIT_BLOCK", 20)
    assert _same_groups(clustering.cluster(points), truth)


def test_a_new_ticket_joins_the_topic_it_is_close_to_on_average():
    rng = np.random.default_rng(3)
    points, truth = _topics(rng)
    sums = np.stack([points[truth == t].sum(axis=0) for t in range(3)])
    sizes = np.bincount(truth)
    far = np.zeros((1, points.shape[1]))
    far[0, -1] = 1.0
    joined = clustering.nearest_group(np.vstack([points[[0, 40]], far]), sums, sizes)
    assert joined.tolist() == [0, 1, clustering.NOISE]
