"""Who is told about which ticket event: pure rules over the people the planner loaded.

Clients hear about their own requests (received, answered, solved, closed); staff hear about
work that reaches them (assigned, the client wrote, escalated, deadlines); dispatchers about
new and solved tickets; managers about breaches. Nobody is told of what they did themselves
but the acknowledgement of their own request, and an internal note never reaches a client.
"""

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    address: str
    user_id: int | None  # None: a requester known only by the address they gave
    locale: str
    name: str = ""
    staff: bool = False


# Who may be told, as the planner loads them:
# requester; handlers (the assignee, else the group's members); dispatchers; managers;
# escalated_to (the colleague or group a ticket was escalated to); escalated_by.
# event -> ((audience, template kind), ...), the first audience winning an address twice named.
RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "created": (("requester", "received"), ("dispatchers", "created")),
    "assigned": (("handlers", "assigned"),),
    "replied": (("requester", "replied"),),
    "client_replied": (("handlers", "client_replied"),),
    "noted": (("assignee", "noted"),),
    "escalated": (("escalated_to", "escalated"),),
    "outside_promise_near": (("escalated_by", "outside_promise_near"),),
    "outside_promise_passed": (
        ("escalated_by", "outside_promise_passed"),
        ("managers", "outside_promise_passed"),
    ),
    "resolved": (("dispatchers", "resolved"),),
    "solution_sent": (("requester", "solution_sent"),),
    "rejected": (("handlers", "rejected"),),
    "closed": (("requester", "closed"),),
    "reopened": (("handlers", "reopened"),),
    "sla_warning": (("handlers", "sla_warning"),),
    "sla_breached": (("managers", "sla_breached"), ("handlers", "sla_breached")),
}
# Told however a person set their preferences: the acknowledgement carries the link that
# confirms the address, a solution waits for the client's answer, breaches are the reason
# managers are on the desk at all.
REQUIRED_KINDS = frozenset({"received", "solution_sent", "sla_breached", "outside_promise_passed"})
# Told even to the person who acted: the acknowledgement is their record of what they sent
# (and the requester's link); everything else they did, they know.
TOLD_TO_ACTOR = frozenset({"received"})
# Events a client account may choose about, and those staff may (the settings page offers them).
CLIENT_EVENTS = ("replied", "closed")
STAFF_EVENTS = tuple(
    event
    for event, rules in RULES.items()
    if any(audience != "requester" and kind not in REQUIRED_KINDS for audience, kind in rules)
)


def audiences(event: str) -> set[str]:
    """The audiences the planner must load for `event` (none for an unknown or quiet event)."""
    return {audience for audience, _ in RULES.get(event, ())}


def recipients(
    event: str,
    payload: Mapping,
    people: Mapping[str, tuple[Person, ...]],
    *,
    internal: bool = False,
    disabled: frozenset[tuple[int, str]] = frozenset(),
) -> list[tuple[Person, str]]:
    """(person, template kind) for everyone to tell of `event`, each address once.

    `internal`: the event's message is an internal note. `disabled`: (user id, event) pairs
    a person turned off.
    """
    actor = payload.get("actor")
    chosen: dict[str, tuple[Person, str]] = {}
    for audience, kind in RULES.get(event, ()):
        if audience == "requester" and not _tell_requester(event, payload, internal):
            continue
        for person in people.get(audience, ()):
            key = person.address.lower()
            own = actor is not None and person.user_id == actor and kind not in TOLD_TO_ACTOR
            if key in chosen or own:
                continue
            if (person.user_id, event) in disabled and kind not in REQUIRED_KINDS:
                continue
            chosen[key] = (person, kind)
    return list(chosen.values())


def _tell_requester(event: str, payload: Mapping, internal: bool) -> bool:
    if internal:
        return False
    # The client who confirmed the solution closed the ticket themselves.
    return not (event == "closed" and payload.get("reason") == "confirmed")
