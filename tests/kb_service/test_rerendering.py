"""`spravka rerender`: stored article HTML brought up to the renderer, without new versions."""

from sqlalchemy import func, select, update
from typer.testing import CliRunner

from kb_service.articles.models import Article, ArticleBody, ArticleVersion
from kb_service.articles.rerendering import rerender_bodies
from kb_service.cli import app
from tests.builders import make_article

STEPS = "1. Откройте очередь\n2. Отмените задание\n\n```\nnet stop spooler\n```\n\n3. Включите"


def _stale(sessions) -> None:
    """Store the HTML of the renderer before `ol start` was kept, as an old install has it."""
    with sessions.begin() as s:
        make_article(s, id="steps", body=STEPS)
        make_article(s, id="plain", body="Просто текст.")
        body_id = s.scalar(select(Article.body_id).where(Article.id == "steps"))
        html = s.get(ArticleBody, body_id).body_html.replace(' start="3"', "")
        s.execute(update(ArticleBody).where(ArticleBody.id == body_id).values(body_html=html))


def _html(sessions, article_id: str) -> str:
    with sessions() as s:
        return s.get(Article, article_id).body_html


def _versions(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(ArticleVersion))


def test_rerendering_fixes_stale_bodies_only_and_makes_no_version(sessions):
    _stale(sessions)
    assert '<ol start="3">' not in _html(sessions, "steps")
    versions, plain = _versions(sessions), _html(sessions, "plain")
    with sessions.begin() as s:
        assert rerender_bodies(s) == 1
    assert '<ol start="3">' in _html(sessions, "steps")
    assert _html(sessions, "plain") == plain and _versions(sessions) == versions
    with sessions.begin() as s:
        assert rerender_bodies(s) == 0  # nothing left to do: safe to run again


def test_the_command_reports_what_it_rerendered(sessions, settings, monkeypatch):
    monkeypatch.setenv("SPRAVKA_DATABASE_URL", settings.sqlalchemy_url)
    monkeypatch.setenv("SPRAVKA_DATA_DIR", str(settings.data_dir))
    _stale(sessions)
    result = CliRunner().invoke(app, ["rerender"])
    assert result.exit_code == 0, result.output
    assert "rerendered 1 article bodies" in result.output
    assert '<ol start="3">' in _html(sessions, "steps")
