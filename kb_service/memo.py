"""Results kept until what they were computed from changes: search results, page aggregates.

A `Memo` belongs to one object (a search service, an app), never to the module, and every
value it holds was computed at one *state*: a number that only grows (the index version, the
outbox position). When a request brings a newer state, everything older is dropped at once;
a request still holding an older state computes its value but does not keep it.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
_MISSING = object()


class Memo:
    """A least-recently-used map bounded by the total weight of its values, for one state."""

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self._used = 0
        self._state: Hashable | None = None
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self,
        state,
        key: Hashable,
        compute: Callable[[], T],
        weight: Callable[[T], int] = lambda _value: 1,
    ) -> T:
        """The value of ``key`` at ``state``, computed (outside the lock) when not kept."""
        found = self.lookup(state, key, _MISSING)
        if found is not _MISSING:
            return found
        value = compute()
        self.keep(state, key, value, max(1, weight(value)))
        return value

    def lookup(self, state, key: Hashable, default=None):
        """The value kept for ``key`` at ``state``, else ``default``; a newer state empties."""
        with self._lock:
            if self._state is None or state > self._state:
                self._entries.clear()
                self._used, self._state = 0, state
            if state == self._state and key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key][0]
        return default

    def keep(self, state, key: Hashable, value, size: int) -> None:
        """Keep ``value`` computed at ``state``, unless the state moved on meanwhile."""
        with self._lock:
            if state != self._state or key in self._entries or size > self._budget:
                return
            self._entries[key] = (value, size)
            self._used += size
            while self._used > self._budget:
                _key, (_value, dropped) = self._entries.popitem(last=False)
                self._used -= dropped

    def forget(self, state, key: Hashable) -> None:
        """Drop ``key`` (an expired entry) if it is kept at ``state``."""
        with self._lock:
            if state == self._state and key in self._entries:
                _value, size = self._entries.pop(key)
                self._used -= size

    def __len__(self) -> int:
        return len(self._entries)
