"""Signed-in sessions kept on the server, so that signing out, a new password or a change of
roles really ends them: a cookie saved before is worth nothing afterwards."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from kb_service.accounts.models import User, UserSession

LIFETIME = timedelta(days=14)


def start_session(session: Session, user: User, now: datetime) -> str:
    """A new session for ``user``; the token goes into the cookie and is not stored."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, token_hash=_hash(token), expires_at=now + LIFETIME))
    # Sign-ins are rare: prune the expired sessions of everyone here instead of in a job.
    session.execute(delete(UserSession).where(UserSession.expires_at <= now))
    session.flush()
    return token


def user_for_session(session: Session, token: str, now: datetime) -> User | None:
    """The active user a live session belongs to, or None when it ended or expired."""
    row = session.scalar(
        select(UserSession)
        .where(UserSession.token_hash == _hash(token), UserSession.expires_at > now)
        .options(selectinload(UserSession.user))
    )
    if row is None or not row.user.is_active:
        return None
    return row.user


def end_session(session: Session, token: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == _hash(token)))


def end_sessions(session: Session, user: User, keep: str | None = None) -> None:
    """End every session of ``user`` but the one whose token is ``keep``."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        query = query.where(UserSession.token_hash != _hash(keep))
    session.execute(query)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
