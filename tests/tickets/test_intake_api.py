"""The quarantine as administrators see it over the API."""

from kb_service.db import session_scope
from kb_service.storage import AttachmentStore
from tests.builders import auth, make_token
from tests.tickets.intake_mail import mail
from tickets.intake.service import limits_of, take_once


def test_admin_lists_the_quarantine_and_retries_a_message(client, sessions, settings):
    with session_scope(sessions) as session:
        admin = auth(make_token(session, roles=("admin",)))
        engineer = auth(make_token(session, roles=("engineer",)))
    store, limits = AttachmentStore.of(settings), limits_of(settings)
    held = take_once(sessions, store, b"Subject: who?\n\nnobody\n", "-", limits)
    fine = take_once(sessions, store, mail().as_bytes(), "fine.eml", limits)

    listed = client.get("/api/v1/intake/quarantine", headers=admin).json()
    assert [(m["id"], m["subject"], m["attempts"]) for m in listed] == [
        (held.inbound_id, "who?", 1)
    ]
    assert "no sender" in listed[0]["reason"]
    assert client.get("/api/v1/intake/quarantine", headers=engineer).status_code == 403

    retried = client.post(f"/api/v1/intake/quarantine/{held.inbound_id}/retry", headers=admin)
    assert retried.json() == {"outcome": "quarantined", "ticket": None, "subject": "who?"}
    missing = client.post("/api/v1/intake/quarantine/999999/retry", headers=admin)
    assert missing.status_code == 404
    taken = client.post(f"/api/v1/intake/quarantine/{fine.inbound_id}/retry", headers=admin)
    assert taken.status_code == 409
