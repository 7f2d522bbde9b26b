"""The administrators' API for webhooks: register, list, enable or disable, delete, and read
each one's delivery log. The secret is in the answer to the registration only."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, Field

from kb_service.deps import SessionDep, SettingsDep, ViewerDep
from kb_service.hostile_input import DB_INT_MAX
from kb_service.webhooks import service
from kb_service.webhooks.models import Webhook, WebhookDelivery

router = APIRouter(tags=["webhooks"])
Id = Annotated[int, Path(ge=1, le=DB_INT_MAX)]


class WebhookIn(BaseModel):
    url: str = Field(max_length=2000)
    events: list[str] = Field(max_length=10)


class WebhookChange(BaseModel):
    enabled: bool


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    enabled: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Signs every delivery; shown this once.")


class DeliveryOut(BaseModel):
    id: int
    event: str
    event_id: int
    status: str
    attempts: int
    status_code: int | None
    error: str
    duration_ms: int | None
    next_attempt_at: datetime
    delivered_at: datetime | None
    created_at: datetime


def _out(webhook: Webhook) -> dict:
    return {
        "id": webhook.id,
        "url": webhook.url,
        "events": webhook.events,
        "enabled": webhook.enabled,
        "created_at": webhook.created_at,
    }


def _delivery(row: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut(
        id=row.id,
        event=row.event,
        event_id=row.outbox_event_id,
        status=row.status,
        attempts=row.attempts,
        status_code=row.status_code,
        error=row.last_error,
        duration_ms=row.duration_ms,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
    )


@router.get("/webhooks", response_model=list[WebhookOut])
def list_webhooks(session: SessionDep, viewer: ViewerDep):
    return [_out(w) for w in service.list_webhooks(session, viewer)]


@router.post("/webhooks", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED)
def register(data: WebhookIn, session: SessionDep, settings: SettingsDep, viewer: ViewerDep):
    webhook = service.register(session, settings, viewer, data.url, data.events)
    return _out(webhook) | {"secret": webhook.secret}


@router.patch("/webhooks/{webhook_id}", response_model=WebhookOut)
def change(webhook_id: Id, data: WebhookChange, session: SessionDep, viewer: ViewerDep):
    return _out(service.set_enabled(session, viewer, webhook_id, data.enabled))


@router.delete("/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(webhook_id: Id, session: SessionDep, viewer: ViewerDep):
    service.delete(session, viewer, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=list[DeliveryOut])
def deliveries(webhook_id: Id, session: SessionDep, viewer: ViewerDep):
    return [_delivery(r) for r in service.deliveries(session, viewer, webhook_id)]
