"""Is this node alive, ready, and how is it doing: `/healthz`, `/readyz` and `/metrics`.

- `/healthz` answers while the process serves requests at all (a liveness probe).
- `/readyz` answers 200 only when the database answers and this process's search index is
  open and within `SPRAVKA_READY_MAX_LAG` seconds of the outbox; otherwise 503 with the
  failing check, so a load balancer sends no traffic to a node that would show stale results.
- `/metrics` is the Prometheus text format. Counters and histograms of requests are kept per
  process; under `spravka serve --workers` the parent gives every worker one folder
  (PROMETHEUS_MULTIPROC_DIR, prometheus_client's multiprocess mode), so a scrape of any worker
  sums them all. What the database knows (open tickets, breaches, mail, quarantine, outbox
  backlog) is counted at scrape time by probes that the packages above register, at most
  once per `CACHE_SECONDS` per process.

Nothing personal goes into a label: routes are the templates ("/api/v1/tickets/{number}"),
never the paths that were asked for.
"""

import hmac
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from time import perf_counter

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from kb_service import outbox
from kb_service.access import Viewer
from kb_service.db import utcnow
from kb_service.deps import SessionDep, get_viewer
from kb_service.errors import Forbidden, Unauthorized
from kb_service.logs import caller_request_id, request_id
from kb_service.metrics import REQUEST_SECONDS, REQUESTS

access = logging.getLogger("spravka.access")

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
CACHE_SECONDS = 5.0
# Who may read the metrics with their own account (besides the scraper's token).
METRICS_ROLES = frozenset({"manager", "admin"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetrics:
    """ASGI middleware: every HTTP request gets its id (kb_service/logs.py), is counted by its
    route template and status, and leaves one access line in the log."""

    def __init__(self, app) -> None:
        self.app = app
        self._templates: dict[int, str] | None = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 500
        headers = dict(scope["headers"])
        given = caller_request_id(headers.get(b"x-request-id", b"").decode("latin-1"))
        current = given or uuid.uuid4().hex
        reset = request_id.set(current)

        async def send_status(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", current.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = self._template(scope)
            method = scope["method"] if scope["method"] in METHODS else "other"
            elapsed = perf_counter() - started
            REQUESTS.labels(method, route, str(status)).inc()
            REQUEST_SECONDS.labels(method, route).observe(elapsed)
            access.info(
                "%s %s %s",
                method,
                route,
                status,
                extra={"route": route, "status": status, "ms": round(elapsed * 1000, 1)},
            )
            request_id.reset(reset)

    def _template(self, scope) -> str:
        route = scope.get("route")
        if route is None:
            return "unmatched"  # never the path asked for: it may be anything
        if self._templates is None:
            self._templates = dict(_templates(scope["app"].router.routes))
        return self._templates.get(id(route), getattr(route, "path", "unmatched"))


def _templates(routes, prefix: str = ""):
    """(id of a route, its full path template), through the routers included with a prefix:
    a matched route knows only its own part of the path."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _templates(included.routes, prefix + route.include_context.prefix)
        elif hasattr(route, "path"):
            yield id(route), prefix + route.path


@dataclass(frozen=True)
class Gauge:
    """One gauge a probe reports: its samples by label values."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    samples: Iterable[tuple[tuple[str, ...], float]]


# A probe counts something in the database; the packages above the core add theirs.
Probe = Callable[[Session], Iterable[Gauge]]


def outbox_backlog(session: Session) -> Iterable[Gauge]:
    """Events not yet handled by each consumer that keeps its position in the database."""
    last = outbox.last_position(session)
    rows = session.execute(select(outbox.OutboxCursor.consumer, outbox.OutboxCursor.position))
    yield Gauge(
        "spravka_outbox_backlog_events",
        "Outbox events a consumer (notifier, webhooks) has not handled yet.",
        ("consumer",),
        [((consumer,), max(last - position, 0)) for consumer, position in rows],
    )


class DatabaseCollector:
    """Runs the probes (and the index lag of this process) at scrape time, cached briefly."""

    def __init__(self, sessions, probes: Iterable[Probe], indexes: dict) -> None:
        self.sessions = sessions
        self.probes = list(probes)
        self.indexes = indexes  # name -> (SearchIndex of this process, the topics it applies)
        self._cached: tuple[float, list] | None = None

    def collect(self):
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] > CACHE_SECONDS:
            self._cached = (now, self._families())
        return iter(self._cached[1])

    def _families(self) -> list:
        families = []
        with self.sessions() as session:
            gauges = [gauge for probe in self.probes for gauge in probe(session)]
            gauges += index_lag(session, self.indexes)
        for gauge in gauges:
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=gauge.labels)
            for values, value in gauge.samples:
                family.add_metric(list(values), value)
            families.append(family)
        return families


def index_lag(session: Session, indexes: dict) -> list[Gauge]:
    """How far each index of this process is behind the outbox, in events and in seconds."""
    events, seconds = [], []
    for name, (index, topics) in indexes.items():
        behind, age = lag_of(session, index, topics)
        events.append(((name,), behind))
        seconds.append(((name,), age))
    return [
        Gauge(
            "spravka_index_lag_events",
            "Outbox events this process's search index has not applied yet.",
            ("index",),
            events,
        ),
        Gauge(
            "spravka_index_lag_seconds",
            "Age of the oldest outbox event this process's search index has not applied yet.",
            ("index",),
            seconds,
        ),
    ]


def lag_of(session: Session, index, topics: tuple[str, ...]) -> tuple[int, float]:
    """The events of ``topics`` (those the index applies) after the index's position, and the
    age of the oldest; other events count only in the writing process (see SearchIndex.apply).
    """
    event = outbox.OutboxEvent
    behind, oldest = session.execute(
        select(func.count(), func.min(event.created_at)).where(
            event.id > index.position, event.topic.in_(topics)
        )
    ).one()
    age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
    return behind, max(age, 0.0)


def metrics_text(collector: DatabaseCollector) -> bytes:
    """The exposition of this process (or of every worker, in multiprocess mode)."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(collector)
        return generate_latest(registry)
    return generate_latest(REGISTRY) + generate_latest(_Only(collector))


class _Only:
    """A registry-like view of one collector, for generate_latest."""

    def __init__(self, collector) -> None:
        self.collector = collector

    def collect(self):
        return self.collector.collect()


router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request):
    state = request.app.state
    checks: dict[str, object] = {}
    ready = True
    try:
        with state.sessions() as session:
            session.execute(text("SELECT 1"))
            for name, (index, topics) in state.observed_indexes.items():
                behind, age = lag_of(session, index, topics)
                fresh = age <= state.settings.ready_max_lag
                ready = ready and fresh
                checks[name] = {"lag_events": behind, "lag_seconds": round(age, 3), "ok": fresh}
        checks["database"] = {"ok": True}
    except Exception as exc:  # noqa: BLE001 - any failure to answer means "not ready"
        ready = False
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    if ready:
        return {"status": "ready", "checks": checks}
    problem = {
        "type": "about:blank",
        "title": "Not ready",
        "status": 503,
        "detail": "a check failed: " + ", ".join(n for n, c in checks.items() if not c["ok"]),
        "checks": checks,
    }
    return JSONResponse(problem, status_code=503, media_type="application/problem+json")


@router.get("/metrics")
def metrics(request: Request, session: SessionDep) -> Response:
    check_metrics_reader(request, lambda: get_viewer(request, session, request.app.state.activity))
    return Response(metrics_text(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)


def check_metrics_reader(request: Request, viewer_of_request: Callable[[], Viewer]) -> None:
    """The scraper's bearer token (SPRAVKA_METRICS_TOKEN) or a manager's or admin's account."""
    expected = request.app.state.settings.metrics_token
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if expected and scheme.lower() == "bearer" and hmac.compare_digest(token.strip(), expected):
        return
    viewer = viewer_of_request()
    if viewer.user_id is None:
        raise Unauthorized("sign in, or send the metrics token as a bearer token")
    if not viewer.has_any(METRICS_ROLES):
        raise Forbidden("metrics are for managers, admins and the monitoring system")
