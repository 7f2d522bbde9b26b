"""Throttling failed logins: a pure rule over failure times, kept in process memory.

In-process on purpose for now: each app process counts on its own, so behind a load balancer
with N nodes an attacker gets at most N times the limit. A shared counter (a database table)
comes when the portal runs on several nodes.
"""

import threading
from collections import deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
# Per account: a person mistyping rarely fails five times in a row.
ACCOUNT_LIMIT = 5
# Per address: offices share one address behind NAT, so allow more.
ADDRESS_LIMIT = 20


class LoginThrottle:
    def __init__(self, window: timedelta = WINDOW) -> None:
        self.window = window
        self._failures: dict[tuple[str, str], deque[datetime]] = {}
        self._lock = threading.Lock()

    def retry_after(self, email: str, address: str, now: datetime) -> timedelta | None:
        """How long the caller must wait before trying again, or None when it may try now."""
        waits = []
        for key, limit in self._keys(email, address):
            failures = self._recent(key, now)
            if len(failures) >= limit:
                waits.append(failures[-limit] + self.window - now)
        return max(waits) if waits else None

    def failed(self, email: str, address: str, now: datetime) -> None:
        with self._lock:
            for key, _limit in self._keys(email, address):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(("account", email.strip().lower()), None)

    def _recent(self, key: tuple[str, str], now: datetime) -> list[datetime]:
        with self._lock:
            failures = self._failures.get(key)
            if not failures:
                return []
            while failures and failures[0] <= now - self.window:
                failures.popleft()
            return list(failures)

    @staticmethod
    def _keys(email: str, address: str) -> tuple[tuple[tuple[str, str], int], ...]:
        return (
            (("account", email.strip().lower()), ACCOUNT_LIMIT),
            (("address", address), ADDRESS_LIMIT),
        )
