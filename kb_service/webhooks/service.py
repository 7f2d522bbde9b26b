"""Registering webhooks: administrators only, and never a URL that reaches inside the network.

A webhook URL is fetched by the server, so a URL naming a loopback, private, link-local or
otherwise non-public address would let whoever registers it probe the machines behind the
firewall (server-side request forgery). Such URLs are refused, when registered and again at
every delivery (a name may resolve elsewhere later), unless SPRAVKA_WEBHOOK_ALLOW_NETWORKS
lists the network: an installation whose receivers live inside says so explicitly.
"""

import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_service import outbox
from kb_service.access import Viewer
from kb_service.config import Settings
from kb_service.errors import Forbidden, Invalid, NotFound
from kb_service.webhooks.events import EVENTS
from kb_service.webhooks.models import Webhook, WebhookDelivery

ADMINS = frozenset({"admin"})


class UnsafeUrl(ValueError):
    """The URL is not http(s), or reaches an address the settings do not allow."""


def require_admin(viewer: Viewer) -> None:
    # A webhook sends the desk's events out of the house: administrators decide where.
    if not viewer.has_any(ADMINS):
        raise Forbidden("only administrators manage webhooks")


def check_url(settings: Settings, url: str) -> None:
    """Refuse a URL that is not http(s) or whose host resolves to a non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("the URL must start with http:// or https:// and name a host")
    if parts.username or parts.password:
        raise UnsafeUrl("the URL must not carry a user name or password")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as exc:
        raise UnsafeUrl(f"the host {parts.hostname!r} cannot be resolved") from exc
    allowed = allowed_networks(settings)
    for *_, address in found:
        ip = ipaddress.ip_address(address[0].split("%")[0])
        if (not ip.is_global or ip.is_multicast) and not any(ip in net for net in allowed):
            raise UnsafeUrl(
                f"the host {parts.hostname!r} resolves to {ip}, which is not a public address "
                "(SPRAVKA_WEBHOOK_ALLOW_NETWORKS can allow it)"
            )


def allowed_networks(settings: Settings) -> list:
    text = settings.webhook_allow_networks or ""
    return [ipaddress.ip_network(n.strip(), strict=False) for n in text.split(",") if n.strip()]


def register(
    session: Session, settings: Settings, viewer: Viewer, url: str, events: list[str]
) -> Webhook:
    """A new enabled webhook with a fresh secret, told of events from now on."""
    require_admin(viewer)
    url = url.strip()
    errors = []
    try:
        if len(url) > 2000:
            raise UnsafeUrl("the URL is longer than 2000 characters")
        check_url(settings, url)
    except UnsafeUrl as exc:
        errors.append({"where": "url", "message": str(exc)})
    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        message = f"unknown events {unknown}" if unknown else "choose at least one event"
        errors.append({"where": "events", "message": f"{message}; known: {', '.join(EVENTS)}"})
    if errors:
        raise Invalid("; ".join(e["message"] for e in errors), errors=errors)
    webhook = Webhook(
        url=url,
        events=[e for e in EVENTS if e in events],
        secret=secrets.token_urlsafe(32),
        enabled=True,
        after_event=outbox.last_position(session),
        created_by=viewer.user_id,
    )
    session.add(webhook)
    session.flush()
    return webhook


def list_webhooks(session: Session, viewer: Viewer) -> list[Webhook]:
    require_admin(viewer)
    return list(session.scalars(select(Webhook).order_by(Webhook.id)))


def get(session: Session, viewer: Viewer, webhook_id: int) -> Webhook:
    require_admin(viewer)
    webhook = session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFound(f"no webhook {webhook_id}")
    return webhook


def set_enabled(session: Session, viewer: Viewer, webhook_id: int, enabled: bool) -> Webhook:
    """Disabled, it hears of nothing; what was planned before waits until it is enabled."""
    webhook = get(session, viewer, webhook_id)
    webhook.enabled = enabled
    session.flush()
    return webhook


def delete(session: Session, viewer: Viewer, webhook_id: int) -> None:
    """The webhook and its delivery log go."""
    session.delete(get(session, viewer, webhook_id))
    session.flush()


def deliveries(
    session: Session, viewer: Viewer, webhook_id: int, limit: int = 200
) -> list[WebhookDelivery]:
    """The webhook's deliveries, newest first."""
    get(session, viewer, webhook_id)
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    return list(session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)))
