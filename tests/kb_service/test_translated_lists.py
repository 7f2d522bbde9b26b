"""Home and product lists show an article with a translation once, in the reader's language,
and never swap in a translation the reader may not see."""

import pytest

from kb_service.access import ANONYMOUS
from kb_service.activity import ActivityLog
from kb_service.articles.service import list_for_products, recent_articles
from kb_service.feedback.service import popular_articles, record_view
from tests.builders import make_article, make_product


def _pair(session, number: int, *, en_groups=("public",)) -> None:
    for language in ("ru", "en"):
        article = make_article(
            session,
            id=f"{language}{number}",
            language=language,
            products=["LP-2040"],
            groups=list(en_groups) if language == "en" else ["public"],
        )
        article.translation_key = f"pair{number}"
    session.flush()


@pytest.fixture
def lists(sessions):
    with sessions.begin() as session:
        make_product(session, "LP-2040")
        for number in range(1, 5):
            _pair(session, number)
        _pair(session, 5, en_groups=("internal",))
        make_article(session, id="ru-alone", language="ru", products=["LP-2040"])
    return sessions


def test_a_product_pages_each_group_once_in_the_readers_language(lists, session):
    total, first = list_for_products(session, ANONYMOUS, ["LP-2040"], limit=4, language="en")
    _same, second = list_for_products(
        session, ANONYMOUS, ["LP-2040"], limit=4, offset=4, language="en"
    )
    shown = [a.id for a in first + second]
    assert total == 6 == len(shown) == len(set(shown))
    assert sorted(shown) == ["en1", "en2", "en3", "en4", "ru-alone", "ru5"]
    russian, _articles = list_for_products(session, ANONYMOUS, ["LP-2040"], language="ru")
    assert russian == 6


def test_recent_articles_list_a_pair_once(lists, session):
    shown = [a.id for a in recent_articles(session, ANONYMOUS, limit=10, language="en")]
    assert sorted(shown) == ["en1", "en2", "en3", "en4", "ru-alone", "ru5"]


def test_a_popular_article_is_shown_in_the_readers_language(lists, sessions, session):
    activity = ActivityLog(sessions)
    for article_id, times in (("ru2", 3), ("ru5", 2), ("ru-alone", 1)):
        for _ in range(times):
            record_view(activity, ANONYMOUS, article_id, "v")
    activity.flush()
    popular = popular_articles(session, ANONYMOUS, language="en")
    assert [a.id for a in popular] == ["en2", "ru5", "ru-alone"]
    assert [a.id for a in popular_articles(session, ANONYMOUS, language="ru")] == [
        "ru2",
        "ru5",
        "ru-alone",
    ]
