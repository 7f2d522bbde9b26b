"""Who may move a ticket from which status to which: one pure table, no database, no clock.

A ticket is "new" until the desk first acts on it, "open" while the desk works it, "waiting"
while the desk waits on the client (the SLA clock is paused), "resolved" once a solution is
recorded (the dispatcher is told, the client is sent it and confirms or rejects), "closed"
when the client confirmed, the desk closed it, or the client did not answer in time.

Actors are the workflow's roles: the requester (the client whose ticket it is, or whoever
holds the requester's link), the staff roles of kb_service.access, and "system" (jobs).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from kb_service.errors import Forbidden, InvalidTransition

STATUSES = ("new", "open", "waiting", "resolved", "closed")
# Statuses the desk still has work in; the queues and the SLA watch look at these.
WORKING = ("new", "open", "waiting")
# Statuses the client still has something to say in.
ACTIVE = ("new", "open", "waiting", "resolved")

REQUESTER = "requester"
SYSTEM = "system"
DISPATCH = frozenset({"dispatcher", "manager", "admin"})
WORK = DISPATCH | {"engineer"}
# Every staff role may add an internal note (an editor asking about an article, say).
STAFF = WORK | {"editor"}


@dataclass(frozen=True)
class Move:
    """An action: from which statuses, to which (None: stays), by whom, and what it needs."""

    sources: frozenset[str]
    target: str | None
    actors: frozenset[str]
    # The action needs a text: the message, the solution or the reason.
    needs_text: bool = False
    label_en: str = ""


def _move(sources, target, actors, needs_text=False, label=""):
    return Move(frozenset(sources), target, frozenset(actors), needs_text, label)


MOVES: dict[str, Move] = {
    # The requester's side.
    "reply": _move(ACTIVE[:3], None, {REQUESTER}, True, "reply"),
    "confirm": _move({"resolved"}, "closed", {REQUESTER}, False, "confirm the solution"),
    "reject": _move({"resolved"}, "open", {REQUESTER}, True, "reject the solution"),
    # The dispatcher sorts and hands out.
    "classify": _move(WORKING, None, DISPATCH, False, "classify"),
    "assign": _move(WORKING, None, DISPATCH, False, "assign"),
    # Which installed item the ticket is about: whoever works it may find out.
    "set_equipment": _move(WORKING, None, WORK, False, "name the equipment"),
    "take": _move(WORKING, None, WORK, False, "take"),
    # Working the ticket.
    "answer": _move(WORKING, None, WORK, True, "reply to the client"),
    "request_info": _move(WORKING, "waiting", WORK, True, "ask the client and wait"),
    "note": _move(STATUSES, None, STAFF, True, "internal note"),
    "escalate": _move(WORKING, "open", WORK, True, "escalate to a colleague or group"),
    "escalate_outside": _move(WORKING, "open", WORK, True, "escalate to a vendor"),
    "outside_answered": _move(ACTIVE, None, WORK, True, "record the vendor's answer"),
    "resolve": _move(WORKING, "resolved", WORK, True, "record the solution"),
    # After the solution: the dispatcher (or the system, by the organisation's setting)
    # sends it to the client; the desk may close for a client who confirmed by phone.
    "send_solution": _move({"resolved"}, None, DISPATCH | {SYSTEM}, False, "send the solution"),
    "close": _move({"resolved"}, "closed", DISPATCH, False, "close"),
    "auto_close": _move({"resolved"}, "closed", {SYSTEM}, False, "close without an answer"),
    "reopen": _move({"resolved", "closed"}, "open", DISPATCH, True, "reopen"),
}


def next_status(status: str, action: str, actors: Iterable[str]) -> str:
    """The status after `action` by someone acting as any of `actors`.

    InvalidTransition (409) when the action is not possible from `status`, Forbidden (403)
    when none of the actors may take it.
    """
    move = MOVES.get(action)
    if move is None:
        raise InvalidTransition(f"there is no action {action!r}")
    if not move.actors & set(actors):
        raise Forbidden(f"you may not {move.label_en} on this ticket")
    if status not in move.sources:
        raise InvalidTransition(
            f"a {status} ticket cannot be given the action {action!r} "
            f"(possible from: {', '.join(s for s in STATUSES if s in move.sources)})"
        )
    if move.target:
        return move.target
    if action == "reply":
        return "open" if status == "waiting" else status
    return "open" if action in _STARTS_WORK and status in ("new", "waiting") else status


def allowed_actions(status: str, actors: Iterable[str]) -> list[str]:
    """The actions these actors may take on a ticket in `status`, in the table's order."""
    actors = set(actors)
    return [
        action for action, move in MOVES.items() if status in move.sources and move.actors & actors
    ]


def actors_of(roles: Iterable[str], *, is_requester: bool) -> frozenset[str]:
    """The workflow roles of a person: their staff roles, and requester on their own ticket."""
    actors = set(roles) & STAFF
    if is_requester:
        actors.add(REQUESTER)
    return frozenset(actors)


# Sorting, handing out or answering a new ticket starts the desk's work on it (and takes a
# waiting one back); a client's reply to a ticket waiting on them gives it back to the desk.
_STARTS_WORK = {"classify", "assign", "take", "answer"}
