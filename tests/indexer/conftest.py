from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer import whoosh_internals
from indexer.index import SearchIndex

# Run once: kill -9 tests of the write path read too few postings to be worth a second run,
# and the decoder compatibility tests check both paths themselves.
_FAST_ONLY = {"test_crash_safety.py", "test_whoosh_internals.py"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept, dropped = [], []
    for item in items:
        public = "[public" in item.nodeid
        (dropped if public and item.path.name in _FAST_ONLY else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session", autouse=True, params=["fast", "public"])
def postings_decoder(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every indexer test runs on the fast postings decoder and again on Whoosh's public
    matcher, as a Whoosh without the private surface would be read (session scope: pytest
    then runs each half whole, so module-scoped indexes never mix the two)."""
    if request.param == "fast" and not whoosh_internals.private_surface_ok():
        pytest.skip("the installed Whoosh lacks the private surface the fast decoder reads")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(whoosh_internals, "FAST_DECODE", request.param == "fast")
        yield request.param


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SearchIndex]:
    search_index = SearchIndex(tmp_path / "index")
    yield search_index
    search_index.close()
