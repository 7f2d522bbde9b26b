"""The transition table, checked against the desk's process as written down by hand.

Each row says who may take an action and from which statuses, and where it leads; every
role is tried with every action from every status, so a rule changed in the table (or a
role given an action it should not have) fails here.
"""

import pytest

from kb_service.errors import Forbidden, InvalidTransition
from tickets.workflow import MOVES, STATUSES, actors_of, allowed_actions, next_status

ROLES = ("requester", "dispatcher", "engineer", "editor", "manager", "admin", "system")
D, E, M, A = "dispatcher", "engineer", "manager", "admin"
R, S = "requester", "system"

# action: (who, {from: to}); "=" means the status stays.
EXPECTED = {
    "reply": ({R}, {"new": "=", "open": "=", "waiting": "open"}),
    "confirm": ({R}, {"resolved": "closed"}),
    "reject": ({R}, {"resolved": "open"}),
    "classify": ({D, M, A}, {"new": "open", "open": "=", "waiting": "open"}),
    "set_equipment": ({D, E, M, A}, {"new": "=", "open": "=", "waiting": "="}),
    "assign": ({D, M, A}, {"new": "open", "open": "=", "waiting": "open"}),
    "take": ({D, E, M, A}, {"new": "open", "open": "=", "waiting": "open"}),
    "answer": ({D, E, M, A}, {"new": "open", "open": "=", "waiting": "open"}),
    "request_info": ({D, E, M, A}, {"new": "waiting", "open": "waiting", "waiting": "waiting"}),
    "note": ({D, E, M, A, "editor"}, {s: "=" for s in STATUSES}),
    "escalate": ({D, E, M, A}, {"new": "open", "open": "open", "waiting": "open"}),
    "escalate_outside": ({D, E, M, A}, {"new": "open", "open": "open", "waiting": "open"}),
    "outside_answered": ({D, E, M, A}, {"new": "=", "open": "=", "waiting": "=", "resolved": "="}),
    "resolve": ({D, E, M, A}, {"new": "resolved", "open": "resolved", "waiting": "resolved"}),
    "send_solution": ({D, M, A, S}, {"resolved": "="}),
    "close": ({D, M, A}, {"resolved": "closed"}),
    "auto_close": ({S}, {"resolved": "closed"}),
    "reopen": ({D, M, A}, {"resolved": "open", "closed": "open"}),
}


def test_the_table_has_exactly_the_expected_actions():
    assert set(MOVES) == set(EXPECTED)


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", STATUSES)
def test_every_role_action_and_status(role, action, status):
    who, moves = EXPECTED[action]
    if role not in who:
        with pytest.raises(Forbidden):
            next_status(status, action, {role})
    elif status not in moves:
        with pytest.raises(InvalidTransition) as refused:
            next_status(status, action, {role})
        assert status in refused.value.message and action in refused.value.message
    else:
        expected = status if moves[status] == "=" else moves[status]
        assert next_status(status, action, {role}) == expected


@pytest.mark.parametrize("status", STATUSES)
def test_allowed_actions_are_those_the_table_lets_through(status):
    for role in ROLES:
        expected = [a for a, (who, moves) in EXPECTED.items() if role in who and status in moves]
        assert sorted(allowed_actions(status, {role})) == sorted(expected)


def test_a_client_is_a_requester_only_on_their_own_ticket_and_staff_roles_carry_over():
    assert actors_of({"client"}, is_requester=True) == {"requester"}
    assert actors_of({"client"}, is_requester=False) == set()
    assert actors_of({"engineer", "editor"}, is_requester=False) == {"engineer", "editor"}


def test_an_unknown_action_is_a_conflict_with_its_name():
    with pytest.raises(InvalidTransition, match="explode"):
        next_status("open", "explode", {"admin"})
