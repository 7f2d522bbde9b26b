"""How a ticket's SLA clocks read: met, breached, paused, soon, running, none."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from tickets.clocks import clocks, nearest

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _ticket(**fields):
    base = dict(status="open", response_due_at=None, resolution_due_at=None,
                first_response_at=None, resolved_at=None, response_breached_at=None,
                resolution_breached_at=None)  # fmt: skip
    return SimpleNamespace(**base | fields)


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({}, "none"),
        ({"response_due_at": NOW + 5 * H}, "running"),
        ({"response_due_at": NOW + H}, "soon"),
        ({"response_due_at": NOW - H}, "breached"),
        ({"response_due_at": NOW - H, "status": "waiting"}, "paused"),
        ({"response_due_at": NOW + 5 * H, "response_breached_at": NOW}, "breached"),
        ({"response_due_at": NOW - H, "first_response_at": NOW - 2 * H}, "met"),
        ({"response_due_at": NOW - 2 * H, "first_response_at": NOW - H}, "breached"),
    ],
)
def test_the_response_clock_reads(fields, state):
    assert clocks(_ticket(**fields), NOW)[0].state == state


def test_a_queue_shows_the_resolution_clock_once_the_client_was_answered():
    ticket = _ticket(response_due_at=NOW + H, resolution_due_at=NOW + 9 * H)
    assert nearest(ticket, NOW).name == "response"
    ticket.first_response_at = NOW
    assert nearest(ticket, NOW).name == "resolution"
