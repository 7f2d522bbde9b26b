"""The app factory: assembles the API and the portal around explicit settings."""

import logging
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from sqlalchemy import func, select
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from indexer.index import SearchIndex
from kb_service.accounts.api import router as accounts_router
from kb_service.accounts.sessions import LIFETIME as SESSION_LIFETIME
from kb_service.activity import ActivityLog
from kb_service.articles.api import router as articles_router
from kb_service.articles.models import Article
from kb_service.body_limit import BodyLimit
from kb_service.browser_session import check_csrf, signing_key
from kb_service.catalogue.api import router as catalogue_router
from kb_service.config import Settings
from kb_service.db import make_engine, make_sessionmaker, migrate, session_scope
from kb_service.deps import cookie_callers_need_csrf
from kb_service.errors import DomainError
from kb_service.hostile_input import RefuseNul
from kb_service.models import load_all
from kb_service.problems import document as document_problems
from kb_service.problems import problem
from kb_service.search.api import router as search_router
from kb_service.search.feed import IndexFeed, rebuild
from kb_service.search.service import SearchService
from portal.caching import PageCachePolicy, VersionedStatic
from portal.errors import error_page
from portal.security import SecurityHeaders
from portal.templating import HERE as PORTAL_DIR
from portal.views import account, articles, ask, home, products, search, tickets
from portal.views.console import new_ticket, overview, queue, ticket
from tickets.jobs import DeskJobs
from tickets.models import MIGRATIONS as TICKET_MIGRATIONS

log = logging.getLogger(__name__)
# Packages above the core that keep their own migration branch; the core cannot name them.
MIGRATION_BRANCHES = (TICKET_MIGRATIONS,)


def migrate_schema(engine) -> None:
    """Create or upgrade the whole schema: the core's migrations and every branch above it."""
    load_all()
    migrate(engine, MIGRATION_BRANCHES)


def create_app(settings: Settings) -> FastAPI:
    """Build the application; nothing connects until it starts."""
    app = FastAPI(
        title="Spravka",
        version="0.1.0",
        description="Knowledge-base-centric help desk: search the KB, then ask.",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.sqlalchemy_url)
    app.state.sessions = make_sessionmaker(app.state.engine)
    api = APIRouter(prefix="/api/v1", dependencies=[Depends(cookie_callers_need_csrf)])
    for router in (articles_router, catalogue_router, accounts_router, search_router):
        api.include_router(router)
    app.include_router(api)
    app.add_middleware(RefuseNul)
    _include_portal(app, settings)
    app.add_middleware(BodyLimit, settings=settings)  # added last, so it runs first
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    _document_problems(app)
    return app


def _document_problems(app: FastAPI) -> None:
    """The OpenAPI schema says what the error handlers below answer: problem+json."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            document_problems(generate())  # generate() caches what it made in openapi_schema
        return app.openapi_schema

    app.openapi = openapi


def _include_portal(app: FastAPI, settings: Settings) -> None:
    """The portal's pages, static files, signed session cookie and security headers."""
    portal = (home, search, articles, products, ask, account, tickets)
    console = (queue, ticket, new_ticket, overview)
    for module in portal + console:
        app.include_router(
            module.router, include_in_schema=False, dependencies=[Depends(check_csrf)]
        )
    # Static files only: htmx and the CSS shrink to about a third. (Around pages the
    # middleware would drop the test client's template messages.)
    static = GZipMiddleware(VersionedStatic(directory=PORTAL_DIR / "static"), minimum_size=1000)
    app.mount("/static", static, name="static")
    app.add_middleware(PageCachePolicy)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        SessionMiddleware,
        secret_key=signing_key(settings),
        session_cookie="spravka_session",
        same_site="lax",
        https_only=settings.cookie_secure,
        max_age=int(SESSION_LIFETIME.total_seconds()),
    )


@asynccontextmanager
async def _lifespan(app: FastAPI):
    settings: Settings = app.state.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Only the node's index writer prepares the node: the workers of `spravka serve --workers`
    # start after their parent migrated and built the index, and must not race to do it again.
    if settings.embedded_worker:
        migrate_schema(app.state.engine)
    index = SearchIndex(settings.index_path)
    app.state.activity = activity = ActivityLog(app.state.sessions, settings.activity_interval)
    app.state.search = SearchService(index, activity)
    if settings.embedded_worker:
        ensure_index(index, app.state.sessions)
    feed = IndexFeed(
        index, app.state.sessions, settings.feed_interval, writes=settings.embedded_worker
    )
    app.state.feed = feed
    # The desk's jobs (notifications, mailboxes, deadlines) run beside the one index writer.
    desk = DeskJobs(app.state.sessions, settings) if settings.embedded_worker else None
    feed.start()
    activity.start()
    if desk:
        desk.start()
    try:
        yield
    finally:
        if desk:
            desk.stop()
        activity.stop()
        feed.stop()
        index.close()
        app.state.engine.dispose()


def ensure_index(index: SearchIndex, sessions) -> None:
    """Rebuild an empty index from the database (a new node, or a lost index folder)."""
    if index.position == 0 and _published_count(sessions) > 0:
        log.info("index is empty: rebuilding it from the database")
        rebuild(index, sessions)


def _published_count(sessions) -> int:
    with session_scope(sessions) as session:
        query = select(func.count()).where(Article.status == "published")
        return session.scalar(query) or 0


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/docs", "/redoc", "/openapi.json"))


def _domain_error(request: Request, exc: DomainError):
    if not _is_api(request):
        return error_page(request, exc.status, exc)
    extra = {"errors": exc.errors} if exc.errors else {}
    return problem(exc.status, exc.title, exc.message, instance=request.url.path, **extra)


def _validation_error(request: Request, exc: RequestValidationError):
    if not _is_api(request):
        return error_page(request, 422, exc)
    errors = [
        {"where": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
    ]
    detail = "; ".join(f"{e['where']}: {e['message']}" for e in errors)
    return problem(422, "Invalid input", detail, instance=request.url.path, errors=errors)


def _http_error(request: Request, exc: StarletteHTTPException):
    if not _is_api(request):
        return error_page(request, exc.status_code, exc)
    return problem(exc.status_code, str(exc.detail), str(exc.detail), instance=request.url.path)


def _unexpected_error(request: Request, exc: Exception):
    log.exception("unexpected error on %s", request.url.path, exc_info=exc)
    if not _is_api(request):
        return error_page(request, 500)
    return problem(500, "Internal error", "an unexpected error occurred; it has been logged")
