"""Who is told about which ticket event: the pure rules, as a table."""

import pytest

from tickets.notifications.recipients import Person, recipients

CLIENT = Person("client@example.test", 1, "en", "Client")
ANONYMOUS = Person("someone@example.test", None, "ru")
ENGINEER = Person("engineer@example.test", 2, "ru", "Engineer", staff=True)
COLLEAGUE = Person("colleague@example.test", 3, "en", "Colleague", staff=True)
DISPATCHER = Person("dispatcher@example.test", 4, "ru", "Dispatcher", staff=True)
MANAGER = Person("manager@example.test", 5, "ru", "Manager", staff=True)
PEOPLE = {
    "requester": (CLIENT,),
    "assignee": (ENGINEER,),
    "handlers": (ENGINEER,),
    "dispatchers": (DISPATCHER,),
    "managers": (MANAGER,),
    "escalated_by": (ENGINEER,),
    "escalated_to": (COLLEAGUE,),
}


def _told(event, payload=None, people=PEOPLE, **options):
    found = recipients(event, {"actor": None, **(payload or {})}, people, **options)
    return [(person.address.split("@")[0], kind) for person, kind in found]


@pytest.mark.parametrize(
    ("event", "payload", "told"),
    [
        ("created", {}, [("client", "received"), ("dispatcher", "created")]),
        ("assigned", {"actor": 4}, [("engineer", "assigned")]),
        ("replied", {"actor": 2}, [("client", "replied")]),
        ("client_replied", {"actor": 1}, [("engineer", "client_replied")]),
        ("noted", {"actor": 3}, [("engineer", "noted")]),
        ("escalated", {"actor": 2}, [("colleague", "escalated")]),
        ("escalated_outside", {"actor": 2}, []),
        ("outside_promise_near", {}, [("engineer", "outside_promise_near")]),
        (
            "outside_promise_passed",
            {},
            [("engineer", "outside_promise_passed"), ("manager", "outside_promise_passed")],
        ),
        ("resolved", {"actor": 2}, [("dispatcher", "resolved")]),
        ("solution_sent", {"actor": 4}, [("client", "solution_sent")]),
        ("confirmed", {"actor": 1}, []),
        ("rejected", {"actor": 1}, [("engineer", "rejected")]),
        ("closed", {"reason": "timeout"}, [("client", "closed")]),
        ("closed", {"actor": 1, "reason": "confirmed"}, []),
        ("closed", {"reason": "confirmed"}, []),
        ("sla_warning", {"clock": "response"}, [("engineer", "sla_warning")]),
        (
            "sla_breached",
            {"clock": "resolution"},
            [("manager", "sla_breached"), ("engineer", "sla_breached")],
        ),
        ("classified", {"actor": 4}, []),
    ],
)
def test_each_event_reaches_its_people(event, payload, told):
    assert _told(event, payload) == told


def test_nobody_is_told_of_what_they_did_themselves():
    assert _told("assigned", {"actor": ENGINEER.user_id}) == []
    assert _told("client_replied", {"actor": ENGINEER.user_id}) == []


def test_a_requester_gets_the_acknowledgement_of_the_request_they_sent_themselves():
    told = _told("created", {"actor": CLIENT.user_id})
    assert told == [("client", "received"), ("dispatcher", "created")]


def test_an_internal_message_never_reaches_the_client():
    assert _told("replied", {"actor": 2}, internal=True) == []


def test_an_address_is_told_once_even_in_two_audiences():
    people = PEOPLE | {"handlers": (MANAGER,)}
    assert _told("sla_breached", people=people) == [("manager", "sla_breached")]


def test_a_turned_off_event_is_not_sent_but_a_required_one_is():
    off = frozenset({(CLIENT.user_id, "replied"), (CLIENT.user_id, "solution_sent")})
    assert _told("replied", disabled=off) == []
    assert _told("solution_sent", disabled=off) == [("client", "solution_sent")]


def test_a_requester_without_an_account_is_written_to_by_address():
    people = PEOPLE | {"requester": (ANONYMOUS,)}
    assert _told("replied", people=people) == [("someone", "replied")]
