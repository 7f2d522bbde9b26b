"""Resetting a forgotten password with a link sent by e-mail.

- The answer to a request is the same whether or not the address has an account, and the
  mail leaves after the answer (the caller sends it in the background), so neither the page
  nor its timing tells who has an account.
- The link carries a random token; only its SHA-256 is stored. It works once, until
  SPRAVKA_PASSWORD_RESET_MINUTES after it was sent; using it ends every session of the
  account, so whoever knew the old password is signed out everywhere.
- Requests are throttled per address typed (mail bombing of one person) and per client
  address (mail bombing of many), with the sign-in throttle's rule (accounts/throttle.py).
"""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from kb_service import mail
from kb_service.accounts import throttle
from kb_service.accounts.models import PasswordReset, ResetRequest, User
from kb_service.accounts.service import check_new_password, get_user_by_email, hash_password
from kb_service.accounts.sessions import end_sessions
from kb_service.audit import service as audit
from kb_service.config import Settings
from kb_service.errors import DomainError, Invalid

# Three links an hour are plenty for one person who lost their mail; then waits grow.
PER_ACCOUNT = throttle.Limit(3, timedelta(minutes=5), timedelta(hours=1))
# An office behind one address may have a few people who forgot at once.
PER_ADDRESS = throttle.Limit(20, timedelta(minutes=1), timedelta(hours=1))
# Used and expired links are kept this long to tell their holders what happened.
KEPT = timedelta(days=7)


class LinkState(StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Requested:
    wait: timedelta | None = None  # refused: too many requests
    message: EmailMessage | None = None  # to send once the answer has gone (None: no account)


def request_reset(
    session: Session,
    settings: Settings,
    email: str,
    address: str,
    now: datetime,
    link_for: Callable[[str], str],
) -> Requested:
    """Throttle, then for an active account store a new link and compose its mail."""
    account, client = throttle.account_key(email), throttle.address_key(address)
    waits = (
        throttle.wait(_times(session, now, ResetRequest.account == account), PER_ACCOUNT, now),
        throttle.wait(_times(session, now, ResetRequest.address == client), PER_ADDRESS, now),
    )
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        return Requested(wait=wait)
    session.execute(delete(ResetRequest).where(ResetRequest.requested_at <= now - throttle.WINDOW))
    session.add(ResetRequest(account=account, address=client, requested_at=now))
    try:
        user = get_user_by_email(session, email)
    except Invalid:
        user = None
    if user is None or not user.is_active:
        return Requested()
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(minutes=settings.password_reset_minutes)
    session.add(PasswordReset(user_id=user.id, token_hash=_hash(token), expires_at=now + lifetime))
    session.execute(delete(PasswordReset).where(PasswordReset.expires_at <= now - KEPT))
    target = ("user", user.id)
    audit.record(session, None, audit.PASSWORD_RESET_REQUESTED, target, label="anonymous",
                 address=address)  # fmt: skip
    return Requested(message=reset_message(settings, user, link_for(token)))


def link_state(session: Session, token: str, now: datetime) -> LinkState:
    """What a link is now: usable, used, expired, or never issued (or long gone)."""
    return _state(_find(session, token), now)


def reset_password(
    session: Session, token: str, password: str, now: datetime, address: str | None = None
) -> User:
    """Set a new password through a valid link; the link is spent and every session ends."""
    row = _find(session, token)
    state = _state(row, now)
    if state is not LinkState.VALID:
        raise LinkRefused(state)
    check_new_password(password)
    user = row.user
    user.password_hash = hash_password(password)
    row.used_at = now
    # The account's other links are spent too: one reset answers them all.
    others = (PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    for other in session.scalars(select(PasswordReset).where(*others)):
        other.used_at = now
    end_sessions(session, user)
    audit.record(session, user.id, audit.PASSWORD_RESET, ("user", user.id), address=address)
    session.flush()
    return user


class LinkRefused(DomainError):
    """The link cannot be used (any more); `state` says why, for the page to explain."""

    status = 410
    title = "Link no longer valid"

    def __init__(self, state: LinkState) -> None:
        super().__init__(f"this password reset link is {state.value}")
        self.state = state


def reset_message(settings: Settings, user: User, link: str) -> EmailMessage:
    text = TEXTS.get(user.locale, TEXTS["en"])
    body = text["body"].format(name=user.name, link=link, minutes=settings.password_reset_minutes)
    return mail.automatic_message(settings, user.email, text["subject"], body, user.locale)


TEXTS = {
    "en": {
        "subject": "Resetting your Spravka password",
        "body": "Hello, {name}.\n\nSomeone (we hope you) asked to reset the password of your "
        "Spravka account. To choose a new one, open this link within {minutes} minutes; "
        "it works once:\n\n{link}\n\nIf you did not ask, ignore this message: your "
        "password stays as it is.\n",
    },
    "ru": {
        "subject": "Сброс пароля в «Справке»",
        "body": "Здравствуйте, {name}.\n\nКто-то (надеемся, что вы) попросил сбросить пароль "
        "вашей учётной записи в «Справке». Чтобы задать новый, откройте эту ссылку в "
        "течение {minutes} минут; она действует один раз:\n\n{link}\n\nЕсли вы не "
        "просили, просто не обращайте внимания на это письмо: пароль останется прежним.\n",
    },
}


def _find(session: Session, token: str) -> PasswordReset | None:
    query = select(PasswordReset).where(PasswordReset.token_hash == _hash(token))
    return session.scalar(query.options(selectinload(PasswordReset.user)))


def _state(row: PasswordReset | None, now: datetime) -> LinkState:
    if row is None or not row.user.is_active:
        return LinkState.UNKNOWN
    if row.used_at is not None:
        return LinkState.USED
    if now >= row.expires_at:
        return LinkState.EXPIRED
    return LinkState.VALID


def _times(session: Session, now: datetime, condition) -> list[datetime]:
    recent = ResetRequest.requested_at > now - throttle.WINDOW
    return list(session.scalars(select(ResetRequest.requested_at).where(recent, condition)))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
