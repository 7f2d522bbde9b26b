"""Article views and votes, and popular articles within visibility."""

import pytest

from kb_service.access import ANONYMOUS
from kb_service.errors import NotFound
from kb_service.feedback.service import popular_articles, record_view, record_vote
from tests.builders import make_article


def test_popular_articles_are_the_most_viewed_visible_ones(session):
    make_article(session, id="a")
    make_article(session, id="b")
    make_article(session, id="secret", groups=["internal"])
    for article_id, times in (("a", 1), ("b", 3), ("secret", 5)):
        for _ in range(times):
            record_view(session, ANONYMOUS, article_id, "v")
    session.flush()
    assert [a.id for a in popular_articles(session, ANONYMOUS)] == ["b", "a"]


def test_a_vote_needs_a_visible_article(session):
    make_article(session, id="secret", groups=["internal"])
    with pytest.raises(NotFound):
        record_vote(session, ANONYMOUS, "secret", "v", helpful=True)
