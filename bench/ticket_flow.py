"""Ticket creation for bench/http_load.py: each submission needs its form's own tokens.

Each thread is one anonymous visitor on one keep-alive connection: GET /ask (a new ask token
and the session's CSRF token), then POST /ask; only the POST is timed and counted.
"""

import http.client
import re
import threading
import time
from urllib.parse import urlencode, urlsplit

ASK = re.compile(r'name="ask" id="ask-token" value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SUBJECTS = ["Printer does not print", "Принтер не печатает", "VPN drops every hour"]


class Visitor:
    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text

    def create_ticket(self, n: int) -> tuple[int, float]:
        """The POST's status and seconds."""
        status, page = self.request("GET", "/ask")
        ask, csrf = ASK.search(page), CSRF.search(page)
        if status != 200 or not ask or not csrf:
            return status or 599, 0.0
        form = {
            "ask": ask.group(1),
            "csrf_token": csrf.group(1),
            "subject": SUBJECTS[n % len(SUBJECTS)],
            "body": "It stopped working after the update; the log is attached below.",
            "email": f"bench{n}@example.com",
        }
        started = time.monotonic()
        status, _ = self.request("POST", "/ask", urlencode(form))
        return status, time.monotonic() - started


def ticket_load(base: str, threads: int, seconds: float) -> dict:
    """Create tickets from `threads` visitors for `seconds`; a Result's fields."""
    latencies: list[float] = []
    failures = [0, 0]  # any error, 5xx
    deadline = time.monotonic() + seconds
    lock = threading.Lock()

    def visit(number: int) -> None:
        visitor, n = Visitor(base), number * 1_000_000
        while time.monotonic() < deadline:
            try:
                status, took = visitor.create_ticket(n)
            except OSError:
                status, took, visitor = 599, 0.0, Visitor(base)
            with lock:
                latencies.append(took)
                failures[0] += status >= 400
                failures[1] += status >= 500
            n += 1

    workers = [threading.Thread(target=visit, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    ordered = sorted(latencies) or [0.0]
    return {
        "endpoint": f"ticket creation ({threads} visitors)",
        "rps": len(latencies) / seconds,
        "p50_ms": 1000 * ordered[len(ordered) // 2],
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "errors": failures[0],
        "server_errors": failures[1],
        "empty_seconds": 0,
    }
