"""API tokens as their owners and administrators see them: listed, issued and revoked.

Revoking deletes the row: the next request with the token finds no owner and gets 401,
on every node at once, since each request looks its token up in the database.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_service.access import Viewer
from kb_service.accounts.models import ApiToken
from kb_service.accounts.service import get_user, issue_token
from kb_service.audit import service as audit
from kb_service.audit.service import Actor
from kb_service.errors import Forbidden, NotFound, Unauthorized


def list_tokens(session: Session, viewer: Viewer, user_id: int | None = None) -> list[ApiToken]:
    """The viewer's tokens, newest first; an administrator may ask for anyone's."""
    owner = _signed_in(viewer)
    if user_id is not None and user_id != owner:
        if not is_admin(viewer):
            raise Forbidden("only administrators list the tokens of others")
        owner = get_user(session, user_id).id
    query = select(ApiToken).where(ApiToken.user_id == owner)
    return list(session.scalars(query.order_by(ApiToken.id.desc())))


def create_own(
    session: Session, viewer: Viewer, name: str, address: str | None = None
) -> tuple[ApiToken, str]:
    """A new token of the viewer's own, named; the token itself is returned this once."""
    owner = get_user(session, _signed_in(viewer))
    return issue_token(session, owner, name, Actor(owner.id, address=address))


def revoke_token(
    session: Session, viewer: Viewer, token_id: int, address: str | None = None
) -> None:
    """End a token at once; its owner's or, for an administrator, anyone's."""
    user_id = _signed_in(viewer)
    row = session.get(ApiToken, token_id)
    # Someone else's token is "not found": its existence is none of the caller's business.
    if row is None or (row.user_id != user_id and not is_admin(viewer)):
        raise NotFound(f"no token {token_id}")
    details = {"owner": row.user_id, "name": row.name}
    audit.record(session, user_id, audit.TOKEN_REVOKED, ("token", row.id), details, address=address)
    session.delete(row)
    session.flush()


def is_admin(viewer: Viewer) -> bool:
    return "admin" in viewer.roles


def _signed_in(viewer: Viewer) -> int:
    if viewer.user_id is None:
        raise Unauthorized("sign in or send a bearer token")
    return viewer.user_id
