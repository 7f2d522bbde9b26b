"""An index written by an older release (another schema) is rebuilt, never written to."""

from pathlib import Path

from whoosh import index as whoosh_index

from indexer import generations, schema
from indexer.index import SearchIndex
from indexer.search import search
from tests.indexer.indexer_builders import make_doc


def _older_release_index(path: Path) -> None:
    """An index folder as the release before the code field wrote it, at outbox position 5."""
    old = schema.build_schema()
    old.remove(schema.CODES)
    path.mkdir()
    name = generations.next_name(path)
    (path / name).mkdir()
    writer = whoosh_index.create_in(path / name, old).writer()
    writer.add_document(
        **{
            schema.ID: "lp",
            schema.KIND: schema.ARTICLE,
            schema.TITLE: "Замятие в LP-2040",
            schema.BODY: "",
            schema.GROUPS: "public",
        }
    )
    writer.add_document(**{schema.ID: schema.META_ID, schema.KIND: schema.META, schema.POSITION: 5})
    writer.commit()
    generations.point_to(path, name)


def test_an_index_of_an_older_schema_counts_as_new_and_a_rebuild_upgrades_it(tmp_path: Path):
    _older_release_index(tmp_path / "index")
    index = SearchIndex(tmp_path / "index")
    try:
        assert index.position == 5
        assert (index.outdated, index.is_new) == (True, True)
        index.rebuild([make_doc("lp", "Замятие в LP-2040")], position=5)
        assert (index.outdated, index.is_new) == (False, False)
        # The joined code form exists only in the new schema.
        assert [hit.id for hit in search(index, "lp2040", groups=None).hits] == ["lp"]
    finally:
        index.close()
