"""Concurrent edits: a save racing another is refused and the first save is kept."""

import pytest

from kb_service.articles import service
from kb_service.articles.models import Article
from kb_service.articles.schemas import ArticleCreate, ArticleFields
from kb_service.errors import Conflict
from tests.builders import make_viewer


def test_a_save_racing_another_is_a_conflict_and_the_first_save_stays(sessions):
    with sessions.begin() as s:
        editor = make_viewer(s, ["editor"])
        service.create_article(
            s, editor, ArticleCreate(id="r", title="T", body="v1", language="en")
        )
    first, second = sessions(), sessions()
    try:
        # Both editors loaded version 1 before either saved.
        service.get_article(first, editor, "r")
        service.get_article(second, editor, "r")
        service.update_article(first, editor, "r", ArticleFields(body="first"), 1)
        first.commit()
        with pytest.raises(Conflict):
            service.update_article(second, editor, "r", ArticleFields(body="second"), 1)
        second.rollback()
    finally:
        first.close()
        second.close()
    with sessions() as s:
        assert s.get(Article, "r").body_md == "first"
