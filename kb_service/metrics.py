"""The counters and histograms of this process, exposed at `/metrics`
(kb_service/observability.py); here, apart, so that any module can count without importing the
web layer."""

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "spravka_http_requests_total",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "spravka_http_request_duration_seconds",
    "Time from a request's arrival to its last byte, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SEARCH_SECONDS = Histogram(
    "spravka_search_duration_seconds",
    "Time spent searching the knowledge base, per full-text search (type-ahead not included).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
