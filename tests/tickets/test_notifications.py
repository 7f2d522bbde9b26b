"""Notifications end to end: events in the outbox, the planner and the sender jobs, a real SMTP
server (aiosmtpd), and the mail folder when no server is set."""

import threading
import time
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select, update

from kb_service import outbox
from kb_service.db import LOCK_WAIT_SECONDS, make_engine, make_sessionmaker, session_scope, utcnow
from kb_service.errors import Invalid
from kb_service.storage import AttachmentStore
from tests.builders import make_ticket, make_user
from tests.tickets.smtp_inbox import free_port, start_smtp
from tickets.events import emit
from tickets.intake.service import limits_of, take_once
from tickets.jobs import jobs
from tickets.models import Escalation, OutsideOrganisation, SupportGroup, TicketMessage
from tickets.notifications import planner, sender
from tickets.notifications.models import Notification
from tickets.notifications.preferences import preferences_of, set_preference


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def inbox(smtp_port):
    controller, inbox = start_smtp(smtp_port)
    yield inbox
    controller.stop()


@pytest.fixture
def mail_settings(settings, smtp_port):
    return settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_starttls": False}
    )


def deliver(sessions, settings) -> None:
    """Run the notification jobs until they find nothing more to do."""
    while planner.plan(sessions, settings) + sender.send_due(sessions, settings):
        pass


def _people(session):
    return {
        "client": make_user(session, ["client"], "Org A", locale="en", name="Ann Client"),
        "engineer": make_user(session, ["engineer"], locale="ru", name="Егор Инженер"),
        "dispatcher": make_user(session, ["dispatcher"], locale="ru"),
        "manager": make_user(session, ["manager"], locale="en"),
    }


def test_the_jobs_plan_then_send():
    names = [job.name for job in jobs()]
    assert names.index("notify-plan") < names.index("notify-send")


def test_a_new_anonymous_ticket_is_acknowledged_in_its_language_and_dispatchers_told(
    sessions, mail_settings, inbox
):
    with session_scope(sessions) as s:
        people = _people(s)
        ticket = make_ticket(s, email="visitor@example.test", locale="en", subject="Paper jam")
        emit(s, ticket, "created", None, channel="portal")
        number, dispatcher = ticket.number, people["dispatcher"].email
    deliver(sessions, mail_settings)
    [ack] = inbox.to("visitor@example.test")
    assert ack["Subject"] == f"[Spravka #{number}] Request received: Paper jam"
    assert f"/tickets/{number}/access/" in ack.get_content()
    [told] = inbox.to(dispatcher)
    assert told["Subject"] == f"[Spravka #{number}] Новая заявка: Paper jam"
    assert len(inbox.messages) == 2


def test_a_staff_reply_reaches_the_client_in_their_language_threaded_on_the_ticket(
    sessions, mail_settings, inbox
):
    with session_scope(sessions) as s:
        people = _people(s)
        ticket = make_ticket(s, people["client"], locale="ru", assignee_id=people["engineer"].id)
        reply = TicketMessage(ticket_id=ticket.id, author_kind="staff", body="Open the tray.")
        s.add(reply)
        s.flush()
        emit(s, ticket, "replied", people["engineer"].id, message=reply.id)
        number, client = ticket.number, people["client"].email
    deliver(sessions, mail_settings)
    [message] = inbox.to(client)
    assert message["Subject"].startswith(f"[Spravka #{number}] Reply to your request")
    assert "Hello Ann Client" in message.get_content()
    assert "Open the tray." in message.get_content()
    assert message["References"] == message["In-Reply-To"] == f"<ticket-{number}@localhost>"
    assert message["Message-ID"].endswith("@localhost>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert len(inbox.messages) == 1  # the engineer who replied is not told


def test_an_internal_note_reaches_the_assignee_and_never_the_client(sessions, mail_settings, inbox):
    with session_scope(sessions) as s:
        people = _people(s)
        ticket = make_ticket(s, people["client"], assignee_id=people["engineer"].id)
        note = TicketMessage(
            ticket_id=ticket.id, author_kind="staff", body="Client owes us money", is_internal=True
        )
        s.add(note)
        s.flush()
        emit(s, ticket, "noted", people["manager"].id, message=note.id)
        emit(s, ticket, "replied", people["manager"].id, message=note.id)
        engineer, client = people["engineer"].email, people["client"].email
    deliver(sessions, mail_settings)
    assert inbox.to(client) == []
    [note_mail] = inbox.to(engineer)
    assert "Client owes us money" in note_mail.get_content()


def test_assignment_to_a_group_tells_its_members_but_not_the_dispatcher_who_assigned(
    sessions, mail_settings, inbox
):
    with session_scope(sessions) as s:
        people = _people(s)
        colleague = make_user(s, ["engineer"], locale="en")
        group = SupportGroup(name="Second line", tier=2)
        group.members = [people["engineer"], colleague, people["dispatcher"]]
        s.add(group)
        s.flush()
        ticket = make_ticket(s, people["client"], group_id=group.id)
        emit(s, ticket, "assigned", people["dispatcher"].id, assignee=None, group=group.id)
        addresses = {people["engineer"].email, colleague.email}
    deliver(sessions, mail_settings)
    assert {rcpt[0] for rcpt, _ in inbox.messages} == addresses
    assert 'the group "Second line"' in inbox.to(colleague.email)[0].get_content()


def test_a_passed_outside_promise_tells_the_escalating_engineer_and_managers(
    sessions, mail_settings, inbox
):
    with session_scope(sessions) as s:
        people = _people(s)
        vendor = OutsideOrganisation(name="Acme Printers")
        ticket = make_ticket(s, people["client"], assignee_id=people["engineer"].id)
        escalation = Escalation(
            ticket_id=ticket.id,
            kind="external",
            by_id=people["engineer"].id,
            outside=vendor,
            reference="ACME-7",
            promised_at=utcnow() - timedelta(days=1),
        )
        s.add(escalation)
        s.flush()
        emit(s, ticket, "outside_promise_passed", None, escalation=escalation.id)
        engineer, manager, client = (people[k].email for k in ("engineer", "manager", "client"))
    deliver(sessions, mail_settings)
    assert "ACME-7" in inbox.to(engineer)[0].get_content()
    assert inbox.to(manager)[0]["Subject"].endswith("Acme Printers missed its date: Printer jams")
    assert inbox.to(client) == []


def test_a_client_turns_replies_off_but_not_the_solution(sessions, mail_settings, inbox):
    with session_scope(sessions) as s:
        people = _people(s)
        set_preference(s, people["client"], "replied", False)
        with pytest.raises(Invalid):
            set_preference(s, people["client"], "solution_sent", False)
        assert preferences_of(s, people["client"]) == {"replied": False, "closed": True}
        ticket = make_ticket(s, people["client"])
        emit(s, ticket, "replied", people["engineer"].id)
        emit(s, ticket, "solution_sent", people["engineer"].id)
        client = people["client"].email
    deliver(sessions, mail_settings)
    assert [m["Subject"].split("] ")[1] for m in inbox.to(client)] == [
        "Solution to your request: Printer jams"
    ]


def _events(sessions, count: int) -> None:
    with session_scope(sessions) as s:
        dispatcher = make_user(s, ["dispatcher"])
        for _ in range(count):
            ticket = make_ticket(s, email="visitor@example.test", locale="en")
            emit(s, ticket, "created", dispatcher.id)


def _rows(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Notification))


def test_planning_twice_plans_each_event_once(sessions, settings):
    _events(sessions, 3)
    assert planner.plan(sessions, settings) == 3
    assert planner.plan(sessions, settings) == 0
    assert _rows(sessions) == 3


def test_planners_in_several_workers_plan_each_event_once(sessions, settings):
    _events(sessions, 30)
    barrier = threading.Barrier(3)
    errors = []

    def worker():
        barrier.wait()
        try:
            while planner.plan(sessions, settings):
                pass
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _rows(sessions) == 30


def test_a_planner_skips_its_round_while_another_worker_plans(sessions, settings):
    """A worker planning a long batch holds the notifier's cursor; another worker's planner
    does not wait on it (it would run into the lock time-out and fail) but plans nothing."""
    _events(sessions, 2)
    assert planner.plan(sessions, settings) == 2  # the cursor row exists from here on
    _events(sessions, 3)
    with sessions() as busy:
        if busy.get_bind().dialect.name == "sqlite":
            pytest.skip("SQLite has one node: its planners queue on the database's write lock")
        assert outbox.locked_cursor(busy, planner.CONSUMER) is not None
        started = time.monotonic()
        assert planner.plan(sessions, settings) == 0
        assert time.monotonic() - started < LOCK_WAIT_SECONDS
    assert planner.plan(sessions, settings) == 3
    assert planner.plan(sessions, settings) == 0


def test_senders_in_several_workers_send_each_message_once(sessions, mail_settings, inbox):
    _events(sessions, 2 * sender.BATCH + 5)
    planner.plan(sessions, mail_settings)
    barrier = threading.Barrier(3)

    def worker():
        barrier.wait()
        while sender.send_due(sessions, mail_settings):
            pass

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [m["Message-ID"] for _, m in inbox.messages]
    assert len(ids) == len(set(ids)) == 2 * sender.BATCH + 5


def test_a_restart_between_planning_and_sending_sends_each_message_once(
    sessions, mail_settings, inbox, database_url
):
    _events(sessions, 2)
    planner.plan(sessions, mail_settings)
    engine = make_engine(database_url)  # a new process: nothing in memory survives
    try:
        restarted = make_sessionmaker(engine)
        deliver(restarted, mail_settings)
        deliver(restarted, mail_settings)
    finally:
        engine.dispose()
    assert len(inbox.messages) == 2


def test_a_dead_senders_claim_is_taken_over_when_its_lease_ends(sessions, mail_settings, inbox):
    _events(sessions, 1)
    planner.plan(sessions, mail_settings)
    assert len(sender.claim_due(sessions, "dead", utcnow())) == 1  # then the process died
    assert sender.send_due(sessions, mail_settings) == 0
    with session_scope(sessions) as s:
        s.execute(update(Notification).values(claimed_until=utcnow() - timedelta(seconds=1)))
    assert sender.send_due(sessions, mail_settings) == 1
    assert len(inbox.messages) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_sender_signs_in_to_the_smtp_server(sessions, mail_settings, smtp_port):
    controller, inbox = start_smtp(smtp_port, login=("desk", "s3cret"))
    try:
        _events(sessions, 1)
        deliver(sessions, mail_settings)  # without signing in: refused, kept for later
        assert inbox.messages == []
        right = mail_settings.model_copy(
            update={"smtp_user": "desk", "smtp_password": SecretStr("s3cret")}
        )
        _past_due(sessions)
        deliver(sessions, right)
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


def _past_due(sessions) -> None:
    with session_scope(sessions) as s:
        s.execute(update(Notification).values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def test_while_smtp_is_down_mail_waits_and_goes_once_it_is_back(sessions, mail_settings, smtp_port):
    _events(sessions, 1)
    planner.plan(sessions, mail_settings)
    assert sender.send_due(sessions, mail_settings) == 1  # nothing listens on the port
    with sessions() as s:
        row = s.scalar(select(Notification))
        assert (row.status, row.attempts) == ("pending", 1)
        assert "Connection refused" in row.last_error or "Errno" in row.last_error
        assert row.next_attempt_at > utcnow()
    assert sender.send_due(sessions, mail_settings) == 0  # not before its time
    controller, inbox = start_smtp(smtp_port)
    try:
        _past_due(sessions)
        assert sender.send_due(sessions, mail_settings) == 1
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    with sessions() as s:
        assert s.scalar(select(Notification.status)) == "sent"


def test_mail_that_keeps_failing_is_given_up_as_failed(sessions, mail_settings):
    settings = mail_settings.model_copy(update={"notify_max_attempts": 2})
    _events(sessions, 1)
    planner.plan(sessions, settings)
    for _ in range(3):
        sender.send_due(sessions, settings)
        _past_due(sessions)
    with sessions() as s:
        row = s.scalar(select(Notification))
        assert (row.status, row.attempts) == ("failed", 2)


def test_without_an_smtp_server_mail_is_kept_in_the_mail_folder(sessions, settings):
    assert settings.smtp_host is None
    _events(sessions, 2)
    deliver(sessions, settings)
    files = sorted(settings.mail_path.glob("*.eml"))
    assert len(files) == 2
    assert b"Subject: [Spravka #" in files[0].read_bytes()
    with session_scope(sessions) as s:  # sending again rewrites, never adds
        s.execute(update(Notification).values(status="pending"))
    deliver(sessions, settings)
    assert sorted(settings.mail_path.glob("*.eml")) == files
    assert not list(settings.mail_path.glob(".*"))


def test_a_reply_to_a_notification_finds_its_ticket_even_with_a_new_subject(sessions, settings):
    with session_scope(sessions) as s:
        ticket = make_ticket(s, email="visitor@example.test", locale="en")
        emit(s, ticket, "created", None, channel="portal")
        number = ticket.number
    deliver(sessions, settings)
    [sent] = settings.mail_path.glob("*.eml")
    notification = message_from_bytes(sent.read_bytes(), policy=default)
    reply = EmailMessage()
    reply["From"] = "visitor@example.test"
    reply["To"] = "support@localhost"
    reply["Subject"] = "one more thing"
    reply["Message-ID"] = "<reply-1@example.test>"
    reply["In-Reply-To"] = notification["Message-ID"]
    reply.set_content("It also smells of toner.")
    taken = take_once(
        sessions, AttachmentStore.of(settings), reply.as_bytes(), "-", limits_of(settings)
    )
    assert (taken.outcome, taken.ticket) == ("reply", number)
