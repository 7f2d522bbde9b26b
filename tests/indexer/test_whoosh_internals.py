"""The postings decoder, fast or public, reads exactly what Whoosh's own matcher reads.

The fast path decodes Whoosh 2.7.4's private block format, so these cases cover every shape
a block takes: several blocks per term, deleted documents at the start and inside (a
FilterMatcher around the leaf matcher, already stepped past the leading ones), blocks whose
weights are all equal (stored as None or as one float) and segments merged by later commits
and optimize. Each case checks both paths, so the module runs once (see conftest).
"""

import shutil
from pathlib import Path

import pytest
from indexer_builders import make_doc

from indexer import generations, schema, whoosh_internals
from indexer.documents import Document
from indexer.index import SearchIndex
from indexer.postings import alive_mask
from indexer.whoosh_internals import BLOCK_LIMIT, leaf_postings

MANY = 2 * BLOCK_LIMIT + 150
# (field, term): varying frequencies, every document once (weights stored as None), every
# document twice (one float), a rare term, a keyword field and the unique id field.
TERMS = [
    (schema.BODY, "принтер"),
    (schema.BODY, "сканер"),
    (schema.BODY, "кабел"),
    (schema.TITLE, "драйвер"),
    (schema.BODY, "редк"),
    (schema.PRODUCTS, "p1"),
    (schema.ID, f"d{MANY - 1}"),
]


def _doc(number: int) -> Document:
    words = ["принтер"] * (number % 4 + 1) + ["сканер", "кабель", "кабель"]
    if number % 97 == 0:
        words.append("редкий")
    products = (f"p{number % 3}",)
    return make_doc(f"d{number}", f"Драйвер {number}", " ".join(words), products=products)


def _whoosh_items(reader, field: str, term: str) -> list[tuple[int, float]]:
    """Whoosh's own answer: its public matcher, which also skips deleted documents."""
    if (field, term) not in reader:
        return []
    return [(docnum, float(w)) for docnum, w in reader.postings(field, term).items_as("weight")]


def _decoded_items(reader, field: str, term: str, fast: bool) -> list[tuple[int, float]]:
    alive = alive_mask(reader)
    items = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(whoosh_internals, "FAST_DECODE", fast)
        for leaf, offset in reader.leaf_readers():
            ids, weights = leaf_postings(leaf, field, term)
            pairs = zip(ids.tolist(), weights.tolist(), strict=True)
            items += [(offset + i, float(w)) for i, w in pairs if alive[offset + i]]
    return sorted(items)


def _assert_decoders_agree(path: Path) -> None:
    with generations.open_current(path).reader() as reader:
        for field, term in TERMS:
            expected = _whoosh_items(reader, field, term)
            # Not a vacuous comparison (the last id is written by the last commit only).
            assert expected or field == schema.ID, (field, term)
            for fast in (True, False):
                assert _decoded_items(reader, field, term, fast) == expected, (field, term, fast)


@pytest.fixture(scope="module")
def many_docs_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of more documents than a postings block holds, written in one commit."""
    path = tmp_path_factory.mktemp("many") / "index"
    index = SearchIndex(path)
    index.apply([_doc(number) for number in range(MANY)], position=1)
    index.close()
    return path


def test_fast_decode_is_on_with_the_pinned_whoosh() -> None:
    assert whoosh_internals.private_surface_ok()


def test_decoders_read_terms_spanning_several_blocks(many_docs_folder: Path) -> None:
    _assert_decoders_agree(many_docs_folder)


def test_decoders_skip_leading_and_inner_deleted_documents(
    many_docs_folder: Path, tmp_path: Path
) -> None:
    path = tmp_path / "index"
    shutil.copytree(many_docs_folder, path)
    index = SearchIndex(path)
    # The whole first block and more, then every fifth document of the rest.
    leading = [f"d{n}" for n in range(BLOCK_LIMIT + 10)]
    inner = [f"d{n}" for n in range(BLOCK_LIMIT + 10, MANY, 5)]
    index.apply(deletes=leading + inner, position=2)
    index.close()
    _assert_decoders_agree(path)


def test_decoders_read_segments_of_several_commits_and_merged(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "index")
    for position, start in enumerate(range(0, MANY, 600), start=1):
        index.apply([_doc(n) for n in range(start, min(start + 600, MANY))], position=position)
        index.apply(deletes=[f"d{start + 3}", f"d{start + 100}"])
        _assert_decoders_agree(index.path)
    generations.open_current(index.path).optimize()
    _assert_decoders_agree(index.path)
    index.close()


@pytest.mark.parametrize(
    ("owner", "name"),
    [
        (whoosh_internals.whoosh3.W3LeafMatcher, "_read_data"),
        (whoosh_internals.whoosh3.W3LeafMatcher, "_next_block"),
        (whoosh_internals.whoosh3, "W3LeafMatcher"),
        (whoosh_internals.wrappers, "FilterMatcher"),
    ],
)
def test_private_surface_check_fails_when_whoosh_lacks_a_part(
    monkeypatch: pytest.MonkeyPatch, owner: object, name: str
) -> None:
    monkeypatch.delattr(owner, name)
    assert not whoosh_internals.private_surface_ok()


def test_private_surface_check_fails_on_another_whoosh_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(whoosh_internals.whoosh, "versionstring", lambda: "2.7.5")
    assert not whoosh_internals.private_surface_ok()


def test_compound_segment_files_read_the_mmap_like_bytesio_without_copying_it():
    from io import BytesIO

    from whoosh.filedb import compound

    data = b"first line\nsecond\n\x00\x01binary tail"
    shared = compound.BufferFile(memoryview(data), name="x")
    copied = BytesIO(data)
    assert shared.file is not None and not isinstance(shared.file, BytesIO)
    for step in (lambda f: f.read(3), lambda f: f.readline(), lambda f: f.seek(-4, 2)):
        assert step(shared.file) == step(copied)
    assert shared.file.read() == copied.read() and shared.file.tell() == copied.tell()
    shared.file.seek(0)
    assert list(shared.file) == list(BytesIO(data))
    assert shared.get(6, 4) == b"line"


def test_threads_sharing_a_compound_file_each_read_from_where_they_sought():
    import threading

    from whoosh.filedb import compound

    shared = compound.BufferFile(memoryview(bytes(range(256)) * 64), name="x").file
    wrong = []

    def reader(offset: int) -> None:
        for _ in range(2_000):
            shared.seek(offset)
            if shared.read(4) != bytes(range(offset, offset + 4)):
                wrong.append(offset)

    threads = [threading.Thread(target=reader, args=(n * 16,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not wrong
