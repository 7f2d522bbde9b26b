"""Ticket status transitions: pure rules."""

import pytest

from kb_service.errors import InvalidTransition
from tickets.workflow import STATUSES, allowed_actions, next_status


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        ("new", "reply", "new"),
        ("waiting", "reply", "open"),
        ("resolved", "confirm", "closed"),
        ("resolved", "reject", "open"),
        ("open", "answer", "waiting"),
        ("waiting", "resolve", "resolved"),
    ],
)
def test_allowed_transitions(status, action, expected):
    assert next_status(status, action) == expected


@pytest.mark.parametrize(
    ("status", "action"),
    [("new", "confirm"), ("open", "reject"), ("closed", "reply"), ("closed", "reject"),
     ("resolved", "resolve"), ("closed", "answer")],
)  # fmt: skip
def test_refused_transitions(status, action):
    with pytest.raises(InvalidTransition):
        next_status(status, action)


def test_a_closed_ticket_takes_no_action_and_every_status_is_known():
    assert allowed_actions("closed") == set()
    assert all(next_status(s, a) in STATUSES for s in STATUSES for a in allowed_actions(s))
