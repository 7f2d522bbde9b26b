"""Which status a ticket moves to when someone acts on it: pure rules, no database, no clock."""

from kb_service.errors import InvalidTransition

STATUSES = ("new", "open", "waiting", "resolved", "closed")
# Statuses the client still has something to say in.
ACTIVE = ("new", "open", "waiting", "resolved")

# (status, action) -> next status. Client actions: reply, confirm, reject; staff: answer, resolve.
_TRANSITIONS = {
    ("new", "reply"): "new",
    ("open", "reply"): "open",
    ("waiting", "reply"): "open",
    ("resolved", "confirm"): "closed",
    ("resolved", "reject"): "open",
    ("new", "answer"): "waiting",
    ("open", "answer"): "waiting",
    ("waiting", "answer"): "waiting",
    ("new", "resolve"): "resolved",
    ("open", "resolve"): "resolved",
    ("waiting", "resolve"): "resolved",
}


def next_status(status: str, action: str) -> str:
    """The status after `action`, or InvalidTransition when it is not allowed from `status`."""
    try:
        return _TRANSITIONS[(status, action)]
    except KeyError:
        raise InvalidTransition(
            f"a {status} ticket cannot be given the action {action!r}"
        ) from None


def allowed_actions(status: str) -> set[str]:
    return {action for (source, action) in _TRANSITIONS if source == status}
