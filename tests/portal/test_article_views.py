"""The article page: views, votes, related articles and "Still need help?"."""

from sqlalchemy import func, select

from kb_service.feedback.models import ArticleFeedback, ArticleView
from tests.portal.conftest import csrf_of


def test_the_article_page_shows_the_article_and_records_the_view(portal, sessions):
    response = portal.get("/articles/kb-0001")
    assert response.template.name == "articles/show.html"
    assert response.context["article"].id == "kb-0001"
    assert "/ask?article=kb-0001" in response.text
    portal.app.state.activity.flush()
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(ArticleView)) == 1


def test_related_articles_are_visible_ones_only(portal):
    related = portal.get("/articles/kb-0001").context["related"]
    assert related and "kb-0001" not in {h.id for h in related}
    assert {"kb-0005", "kb-0006"}.isdisjoint({h.id for h in related})


def test_a_vote_with_a_comment_is_recorded_once_per_visit(portal, sessions):
    token = csrf_of(portal, "/articles/kb-0001")
    for helpful in ("no", "yes"):
        response = portal.post(
            "/articles/kb-0001/feedback",
            data={"helpful": helpful, "comment": " unclear step 3 ", "csrf_token": token},
        )
    assert response.context["vote"].helpful is True
    with sessions() as s:
        votes = s.scalars(select(ArticleFeedback)).all()
    assert [(v.helpful, v.comment) for v in votes] == [(True, "unclear step 3")]


def test_voting_by_htmx_returns_the_partial(portal):
    token = csrf_of(portal, "/articles/kb-0001")
    response = portal.post("/articles/kb-0001/feedback", data={"helpful": "yes"},
                           headers={"HX-Request": "true", "X-CSRF-Token": token})  # fmt: skip
    assert response.template.name == "articles/_feedback.html"


def test_a_click_from_the_results_is_recorded(portal, sessions):
    from kb_service.search.models import SearchEvent

    event_id = portal.get("/search", params={"q": "принтер"}).context["event_id"]
    portal.get(f"/articles/kb-0001?s={event_id}")
    portal.app.state.activity.flush()
    with sessions() as s:
        assert s.get(SearchEvent, event_id).clicked_article_id == "kb-0001"


def test_no_vote_on_an_article_the_viewer_may_not_see(portal):
    token = csrf_of(portal, "/articles/kb-0001")
    response = portal.post(
        "/articles/kb-0005/feedback", data={"helpful": "yes", "csrf_token": token}
    )
    assert response.status_code == 404
