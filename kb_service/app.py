"""The app factory: assembles the API and the portal around explicit settings."""

import contextlib
import logging
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from indexer.index import SearchIndex
from kb_service.accounts.api import router as accounts_router
from kb_service.accounts.sessions import LIFETIME as SESSION_LIFETIME
from kb_service.activity import ActivityLog
from kb_service.articles.api import router as articles_router
from kb_service.articles.models import Article
from kb_service.articles.service import TOPIC as ARTICLE_TOPIC
from kb_service.body_limit import BodyLimit
from kb_service.browser_session import check_csrf, signing_key
from kb_service.catalogue.api import router as catalogue_router
from kb_service.config import Settings
from kb_service.db import make_engine, make_sessionmaker, migrate, session_scope
from kb_service.deps import cookie_callers_need_csrf
from kb_service.errors import DomainError
from kb_service.hostile_input import RefuseNul
from kb_service.models import load_all
from kb_service.observability import DatabaseCollector, RequestMetrics, outbox_backlog
from kb_service.observability import router as observability_router
from kb_service.problems import document as document_problems
from kb_service.problems import problem
from kb_service.response_cache import ResponseCache
from kb_service.search.api import router as search_router
from kb_service.search.feed import IndexFeed, rebuild
from kb_service.search.service import SearchService
from kb_service.search.synonyms import SynonymSource
from kb_service.webhooks.api import router as webhooks_router
from portal.aggregates import new_aggregates
from portal.caching import PageCachePolicy, VersionedStatic
from portal.errors import error_page
from portal.links import RouteShapes
from portal.security import SecurityHeaders
from portal.templating import HERE as PORTAL_DIR
from portal.views import (
    account,
    account_tokens,
    articles,
    ask,
    console_audit,
    console_mail,
    console_synonyms,
    console_webhooks,
    equipment,
    home,
    notification_settings,
    password_reset,
    planning,
    products,
    search,
    sso,
    ticket_links,
    tickets,
)
from portal.views.console import kb_actions, mining, new_ticket, overview, queue, reports, ticket
from portal.views.editor import articles as editor_articles
from portal.views.editor import feedback as editor_feedback
from portal.views.editor import files as editor_files
from portal.views.editor import review as editor_review
from tickets import search as ticket_search
from tickets.api import router as tickets_router
from tickets.contracts.api import router as contracts_router
from tickets.events import TOPIC as TICKET_TOPIC
from tickets.intake.api import router as intake_router
from tickets.jobs import DeskJobs
from tickets.metrics import desk_gauges
from tickets.models import MIGRATIONS as TICKET_MIGRATIONS
from tickets.planning.api import router as planning_router
from tickets.teams import router as teams_router

log = logging.getLogger(__name__)
# Packages above the core that keep their own migration branch; the core cannot name them.
MIGRATION_BRANCHES = (TICKET_MIGRATIONS,)
# Threads running request handlers per process (AnyIO's default is 40). The work is mostly CPU
# under one GIL: 40 runnable threads shared it so thinly that the index feed's searcher swap and
# a ticket's write transaction waited seconds for their turn (see bench/RESULTS.md, issue 9).
# Fewer threads queue requests in the event loop instead, where waiting costs nothing; a
# handler waiting for a database lock still leaves others to run, and FastAPI closes sessions
# outside this limit, so a request never waits for a thread held by one waiting for it.
REQUEST_THREADS = 8


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
    for router in (
        articles_router, catalogue_router, accounts_router, search_router, tickets_router,
        teams_router, contracts_router, planning_router,
    ):  # fmt: skip
        api.include_router(router)
    api.include_router(intake_router)
    api.include_router(webhooks_router)
    app.include_router(api)
    app.include_router(observability_router)
    app.add_middleware(RefuseNul)
    _include_portal(app, settings)
    app.add_middleware(BodyLimit, settings=settings)
    app.add_middleware(RequestMetrics)  # added last, so it runs first and counts every answer
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
    app.state.aggregates = new_aggregates()
    app.state.oidc = sso.provider(settings)
    app.state.route_shapes = RouteShapes(app.router)
    pages = (home, search, articles, products, ask, account, tickets, planning, equipment)
    console = (queue, ticket, new_ticket, overview, mining, reports, kb_actions)
    editors = (editor_articles, editor_review, editor_files, editor_feedback)
    accounts_pages = (password_reset, account_tokens, console_audit)
    others = (
        ticket_links,
        notification_settings,
        console_mail,
        console_webhooks,
        console_synonyms,
        sso,
    )
    for module in (*pages, *console, *editors, *accounts_pages, *others):
        app.include_router(
            module.router, include_in_schema=False, dependencies=[Depends(check_csrf)]
        )
    # Static files only: htmx and the CSS shrink to about a third. (Around pages the
    # middleware would drop the test client's template messages.)
    static = GZipMiddleware(VersionedStatic(directory=PORTAL_DIR / "static"), minimum_size=1000)
    app.mount("/static", static, name="static")
    app.add_middleware(SecurityHeaders)
    # Inside the session cookie (it keys on and fills in the visitor's session), outside the
    # rest: a reused response skips routing, dependencies and the thread pool. The ETag is
    # made outside it, from the body as this visitor gets it.
    app.add_middleware(ResponseCache)
    app.add_middleware(PageCachePolicy)
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
    anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
    # Only the node's index writer prepares the node: the workers of `spravka serve --workers`
    # start after their parent migrated and built the index, and must not race to do it again.
    if settings.embedded_worker:
        migrate_schema(app.state.engine)
    node = Node(settings, app.state.sessions, writes=settings.embedded_worker, reads=True)
    app.state.activity = activity = ActivityLog(app.state.sessions, settings.activity_interval)
    synonyms = SynonymSource(app.state.sessions)
    # Loaded now, so the first requests all key on the same version; without tables yet (the
    # node's writer migrates) the first search loads them.
    with contextlib.suppress(OperationalError):
        synonyms.current()
    app.state.search = SearchService(node.index, activity, synonyms)
    app.state.ticket_index = node.ticket_index
    app.state.feed = node.feed
    app.state.observed_indexes = {
        "articles": (node.index, (ARTICLE_TOPIC,)),
        "tickets": (node.ticket_index, (TICKET_TOPIC,)),
    }
    app.state.metrics = DatabaseCollector(
        app.state.sessions, (outbox_backlog, desk_gauges), app.state.observed_indexes
    )
    node.start()
    activity.start()
    try:
        yield
    finally:
        activity.stop()
        node.stop()
        app.state.engine.dispose()


class Node:
    """What runs beside the requests of one node: the feeds of its article and ticket indexes
    and, on the node that writes (the embedded default, `serve --workers`' parent process,
    `spravka worker`), the desk's background jobs.

    `reads` keeps a searcher open and swaps it when the index changes (a process that serves
    searches); `writes` applies the outbox to the indexes and runs the jobs.
    """

    def __init__(self, settings: Settings, sessions, *, writes: bool, reads: bool) -> None:
        self.index = SearchIndex(settings.index_path)
        self.ticket_index = SearchIndex(settings.ticket_index_path)
        if writes:
            ensure_index(self.index, sessions)
            ticket_search.ensure(self.ticket_index, sessions)
        if not reads:  # a feeder serves no searches: it must not hold old segments open
            self.index.close()
            self.ticket_index.close()
        interval = settings.feed_interval
        self.feed = IndexFeed(self.index, sessions, interval, writes=writes, reads=reads)
        self.ticket_feed = IndexFeed(
            self.ticket_index, sessions, interval, writes=writes, reads=reads,
            feed=ticket_search.feed_once, name="spravka-ticket-feed",
        )  # fmt: skip
        self.desk = DeskJobs(sessions, settings) if writes else None

    def start(self) -> None:
        self.feed.start()
        self.ticket_feed.start()
        if self.desk:
            self.desk.start()

    def stop(self) -> None:
        if self.desk:
            self.desk.stop()
        for feed in (self.feed, self.ticket_feed):
            feed.stop()
            feed.index.close()


def rebuild_indexes(settings: Settings, sessions) -> None:
    """Build this node's article and ticket indexes afresh from the database (a restore)."""
    for path, build in (
        (settings.index_path, rebuild),
        (settings.ticket_index_path, ticket_search.rebuild),
    ):
        index = SearchIndex(path)
        try:
            build(index, sessions)
        finally:
            index.close()


def ensure_index(index: SearchIndex, sessions) -> None:
    """Rebuild an empty index from the database (a new node, or a lost index folder), and an
    index of an older schema (an upgrade: new fields need every article written again)."""
    if index.outdated or (index.is_new and _published_count(sessions) > 0):
        log.info("index is empty or of an older schema: rebuilding it from the database")
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
