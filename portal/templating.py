"""The one Jinja2 environment of the portal: autoescaped, translated, with its few filters.

`article_html` is the only filter that prints markup unescaped, and only the article HTML that
was rendered and sanitised on save. Search snippets come from the index as text and marked
ranges (Snippet.parts()), escaped like any other text.
"""

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from kb_service.browser_session import IS_STAFF, LOCALE, SIGNED_IN, USER_NAME, csrf_token
from portal.caching import StaticVersions
from portal.i18n import LANGUAGES, Translator, name_in, negotiate
from portal.links import url_for

HERE = Path(__file__).parent


def session_of(request: Request) -> dict:
    """The portal session; empty where the session middleware has not run (server errors)."""
    return request.session if "session" in request.scope else {}


def language_of(request: Request) -> str:
    """The chosen language (remembered in the session), else the browser's preference."""
    chosen = session_of(request).get(LOCALE)
    if chosen in LANGUAGES:
        return chosen
    return negotiate(request.headers.get("accept-language"))


def article_html(stored_html: str) -> Markup:
    """Article HTML as stored: rendered from Markdown and sanitised with nh3 on save."""
    return Markup(stored_html)  # noqa: S704 - sanitised on save, see articles/rendering.py


def _context(request: Request) -> dict:
    language = language_of(request)
    session = session_of(request)
    return {
        "_": Translator(language),
        "locale": language,
        "languages": LANGUAGES,
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
        "account": {"name": session[USER_NAME], "staff": session.get(IS_STAFF, False)}
        if session.get(SIGNED_IN)
        else None,
    }


templates = Jinja2Templates(directory=HERE / "templates", context_processors=[_context])
templates.env.filters["article_html"] = article_html
templates.env.filters["name_in"] = name_in
templates.env.globals["url_for"] = url_for
templates.env.globals["static_version"] = StaticVersions(HERE / "static")
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True
# The templates ship with the code: Jinja need not stat every template file of every page
# to see whether it changed (2% of an article page's time under load).
templates.env.auto_reload = False


def render(request: Request, name: str, status_code: int = 200, **context):
    return templates.TemplateResponse(request, name, context, status_code=status_code)
