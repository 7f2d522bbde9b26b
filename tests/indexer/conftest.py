from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.index import SearchIndex


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SearchIndex]:
    search_index = SearchIndex(tmp_path / "index")
    yield search_index
    search_index.close()
