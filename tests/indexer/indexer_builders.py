"""Plain builders for indexer tests (named apart from tests/builders.py, which others own)."""

from indexer.documents import Document


def make_doc(doc_id: str, title: str, body: str = "", **overrides: object) -> Document:
    """A public Russian article unless overridden."""
    fields: dict[str, object] = {
        "language": "ru",
        "groups": ("public",),
        "products": (),
        "category": None,
    }
    fields.update(overrides)
    return Document(id=doc_id, title=title, body=body, **fields)  # type: ignore[arg-type]
