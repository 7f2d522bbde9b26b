"""How a ticket's SLA clocks read at a moment, for people: due when, met, paused or breached.

Pure: the deadlines come kept on the ticket (tickets/sla.py computes them), `now` is given.
"""

from dataclasses import dataclass
from datetime import datetime

from tickets.queues import SOON

STATES = ("met", "breached", "paused", "soon", "running", "none")


@dataclass(frozen=True)
class Clock:
    name: str  # "response" or "resolution"
    state: str  # one of STATES
    due_at: datetime | None
    done_at: datetime | None  # when it was met (first response, resolution)


def clocks(ticket, now: datetime) -> list[Clock]:
    """The response and the resolution clock of `ticket`."""
    return [
        _clock(
            "response",
            ticket.response_due_at,
            ticket.first_response_at,
            ticket.response_breached_at,
            ticket.status,
            now,
        ),
        _clock(
            "resolution",
            ticket.resolution_due_at,
            ticket.resolved_at,
            ticket.resolution_breached_at,
            ticket.status,
            now,
        ),
    ]


def _clock(name, due, done, breached, status, now) -> Clock:
    if done is not None:
        late = breached is not None or (due is not None and done > due)
        return Clock(name, "breached" if late else "met", due, done)
    if breached is not None or (due is not None and due < now and status != "waiting"):
        return Clock(name, "breached", due, None)
    if due is None:
        return Clock(name, "none", None, None)
    if status == "waiting":
        return Clock(name, "paused", due, None)
    return Clock(name, "soon" if due - now < SOON else "running", due, None)


def nearest(ticket, now: datetime) -> Clock:
    """The clock a queue shows: the response until it is met, then the resolution."""
    response, resolution = clocks(ticket, now)
    return response if response.done_at is None and response.due_at else resolution
