"""Filing messages: new tickets, replies on the right ticket, duplicates, the quarantine."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from kb_service.outbox import OutboxEvent
from kb_service.storage import AttachmentStore
from tests.builders import make_user
from tests.tickets.intake_mail import PROBLEM, delivery_report, in_charset, mail
from tickets.intake import filing
from tickets.intake.filing import Limits, remember_sent, subject_tag
from tickets.intake.models import InboundMail
from tickets.intake.service import list_quarantine, retry, take, take_once
from tickets.models import Ticket, TicketAttachment, TicketMessage

LIMITS = Limits(per_file=1024, per_message=4096)


@pytest.fixture
def store(tmp_path):
    return AttachmentStore(tmp_path / "attachments")


@pytest.fixture
def feed(session, store):
    return lambda raw, source="test.eml": take(session, store, raw, source, LIMITS)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _ticket(session, number) -> Ticket:
    return session.scalar(select(Ticket).where(Ticket.number == number))


def _messages(session, ticket) -> list[TicketMessage]:
    query = select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
    return list(session.scalars(query.order_by(TicketMessage.id)))


def test_new_message_opens_an_email_ticket_with_an_event(session, feed):
    taken = feed(mail(subject="Printer jams").as_bytes())
    ticket = _ticket(session, taken.ticket)
    assert (taken.outcome, taken.subject) == ("ticket", "Printer jams")
    assert (ticket.source, ticket.requester_email, ticket.requester_name) == (
        "email",
        "anna@client.test",
        "Anna Client",
    )
    assert ticket.number == str(10000 + ticket.id) and ticket.requester_id is None
    events = session.scalars(select(OutboxEvent.payload)).all()
    assert {"event": "created", "channel": "email"}.items() <= events[-1].items()


def test_known_client_s_mail_joins_their_account_and_organisation(session, feed):
    client = make_user(session, organisation="Acme", email="boss@acme.test", locale="en")
    ticket = _ticket(session, feed(mail(sender="Boss <Boss@Acme.test>").as_bytes()).ticket)
    assert (ticket.requester_id, ticket.organisation_id) == (client.id, client.organisation_id)
    assert ticket.locale == "en"


def test_cyrillic_mail_gets_its_text_and_language(session, feed):
    taken = feed(in_charset(PROBLEM.encode("koi8_r"), None))
    assert taken.text == PROBLEM and _ticket(session, taken.ticket).locale == "ru"


def test_reply_with_the_number_in_the_subject_lands_on_the_ticket(session, feed):
    first = feed(mail().as_bytes())
    reply = mail(
        subject=f"Re: {subject_tag(first.ticket)} Printer jams",
        body="Still jams.\n\nOn Mon, 5 May 2025, Desk wrote:\n> Try the tray",
    )
    taken = feed(reply.as_bytes())
    assert (taken.outcome, taken.ticket, taken.text) == ("reply", first.ticket, "Still jams.")
    [message] = _messages(session, _ticket(session, first.ticket))
    assert (message.author_kind, message.channel, message.author_email) == (
        "client",
        "email",
        "anna@client.test",
    )


def test_number_in_the_subject_from_a_stranger_opens_their_own_ticket(session, feed):
    first = feed(mail().as_bytes())
    taken = feed(mail(subject=f"[#{first.ticket}] hi", sender="eve@else.test").as_bytes())
    assert taken.outcome == "ticket" and taken.ticket != first.ticket


def test_reply_by_in_reply_to_or_references_lands_on_the_ticket(session, feed):
    original = mail()
    first = feed(original.as_bytes())
    feed(mail(subject="Unrelated").as_bytes())
    by_header = mail(subject="Re: Printer", In_Reply_To=original["Message-ID"])
    assert feed(by_header.as_bytes()).outcome == "reply"
    assert len(_messages(session, _ticket(session, first.ticket))) == 1
    by_references = mail(subject="again", References=f"<x@y> {by_header['Message-ID']}")
    assert feed(by_references.as_bytes()).ticket == first.ticket


def test_reply_to_the_desk_s_own_mail_finds_the_ticket(session, feed):
    ticket = _ticket(session, feed(mail().as_bytes()).ticket)
    remember_sent(session, ticket, "<answer-1@spravka.test>")
    taken = feed(mail(subject="Thanks", In_Reply_To="<answer-1@spravka.test>").as_bytes())
    assert (taken.outcome, taken.ticket) == ("reply", ticket.number)


def test_the_desk_s_own_mail_coming_back_is_ignored(session, feed):
    ticket = _ticket(session, feed(mail().as_bytes()).ticket)
    remember_sent(session, ticket, "<answer-2@spravka.test>")
    looped = mail(sender="desk@spravka.test", message_id="<answer-2@spravka.test>")
    assert feed(looped.as_bytes()).outcome == "ignored"
    assert _messages(session, ticket) == []


def test_client_reply_ends_the_wait_but_not_a_resolution(session, feed):
    original = mail()
    ticket = _ticket(session, feed(original.as_bytes()).ticket)
    for status, after in (("waiting", "open"), ("resolved", "resolved")):
        ticket.status = status
        feed(mail(subject="Re", In_Reply_To=original["Message-ID"]).as_bytes())
        assert ticket.status == after


def test_reply_to_a_closed_ticket_opens_a_new_one_that_names_it(session, feed):
    original = mail()
    closed = _ticket(session, feed(original.as_bytes()).ticket)
    closed.status = "closed"
    taken = feed(mail(subject="Re", In_Reply_To=original["Message-ID"]).as_bytes())
    assert taken.outcome == "ticket" and taken.ticket != closed.number
    assert f"#{closed.number}" in _ticket(session, taken.ticket).body


def test_staff_reply_by_mail_is_the_staff_s(session, feed):
    engineer = make_user(session, roles=("engineer",), email="eng@spravka.test")
    first = feed(mail().as_bytes())
    feed(mail(subject=f"Re: [#{first.ticket}]", sender="eng@spravka.test").as_bytes())
    [message] = _messages(session, _ticket(session, first.ticket))
    assert (message.author_kind, message.author_id) == ("staff", engineer.id)


@pytest.mark.parametrize(
    "raw", [mail(Auto_Submitted="auto-replied").as_bytes(), delivery_report()], ids=["auto", "dsn"]
)
def test_auto_replies_and_bounces_are_recorded_and_open_nothing(session, feed, raw):
    taken = feed(raw)
    assert (taken.outcome, taken.ticket) == ("ignored", None)
    assert _count(session, Ticket) == 0
    assert session.scalar(select(InboundMail.reason)).startswith(("auto-submitted", "report"))


def test_same_message_fed_twice_is_a_duplicate_naming_the_first_ticket(session, feed):
    raw = mail().as_bytes()
    first = feed(raw)
    assert feed(raw, "again.eml").outcome == "duplicate"
    assert feed(b"Received: by mx\r\n" + raw).ticket == first.ticket
    assert (_count(session, Ticket), _count(session, InboundMail)) == (1, 1)


def test_message_without_message_id_is_a_duplicate_by_its_content(session, feed):
    raw = mail(message_id=None).as_bytes()
    assert b"Message-ID" not in raw
    first = feed(raw)
    assert (feed(raw).outcome, feed(raw).ticket) == ("duplicate", first.ticket)
    assert feed(mail(message_id=None, body="other").as_bytes()).outcome == "ticket"


def test_same_message_id_with_other_content_is_the_same_message(feed):
    first = feed(mail(message_id="<one@client.test>").as_bytes())
    again = feed(mail(message_id="<one@client.test>", body="changed on the way").as_bytes())
    assert (again.outcome, again.ticket) == ("duplicate", first.ticket)


@pytest.mark.parametrize(
    "raw",
    [b"\x00\xff\xfe\x89PNG garbage", b"Subject: who?\n\nno sender at all\n", b""],
    ids=["garbage", "no-sender", "empty"],
)
def test_unreadable_message_is_quarantined_with_its_bytes(session, feed, store, raw):
    taken = feed(raw)
    assert (taken.outcome, taken.ticket) == ("quarantined", None)
    [kept] = list_quarantine(session)
    assert store.read(kept.raw_sha256) == raw and kept.reason
    assert feed(raw).outcome == "duplicate"


def test_message_that_breaks_filing_is_quarantined_then_retried(session, feed, store, monkeypatch):
    def broken(*args):
        raise RuntimeError("filing is broken")

    with monkeypatch.context() as patch:
        patch.setattr("tickets.intake.service.file_mail", broken)
        taken = feed(mail().as_bytes())
    assert taken.outcome == "quarantined" and _count(session, Ticket) == 0
    assert "filing is broken" in list_quarantine(session)[0].reason
    retried = retry(session, store, taken.inbound_id, LIMITS)
    assert retried.outcome == "ticket" and list_quarantine(session) == []
    assert session.get(InboundMail, taken.inbound_id).attempts == 2


def test_retrying_an_unreadable_message_leaves_it_in_the_quarantine(session, feed, store):
    taken = feed(b"Subject: who?\n\nno sender\n")
    assert retry(session, store, taken.inbound_id, LIMITS).outcome == "quarantined"
    assert list_quarantine(session)[0].attempts == 2


def test_attachments_go_to_the_store_within_the_limits(session, feed, store):
    message = mail()
    message.add_attachment(
        b"MZ" + b"\x00" * 100, "application", "x-msdownload", filename="../../etc/setup.exe"
    )
    message.add_attachment(b"x" * 2000, "application", "pdf", filename="big.pdf")
    ticket = _ticket(session, feed(message.as_bytes()).ticket)
    [kept] = session.scalars(select(TicketAttachment)).all()
    assert (kept.filename, kept.size, kept.content) == ("setup.exe", 102, None)
    assert store.read(kept.sha256).startswith(b"MZ")
    [note] = _messages(session, ticket)
    assert note.is_internal and "big.pdf" in note.body


def test_filing_module_names_the_tag_it_reads():
    assert filing.TAG.search(f"Re: {subject_tag('10042')}").group(1) == "10042"
    assert filing.TAG.search("[#10042]").group(1) == "10042"


def test_intakes_racing_on_the_same_messages_file_each_once(sessions, store):
    raws = [mail(subject=f"Race {n}").as_bytes() for n in range(15)]
    raws += [mail(message_id=None, body=f"no id {n}").as_bytes() for n in range(5)]

    def intake(order):
        return [take_once(sessions, store, raws[i], "-", LIMITS) for i in order]

    orders = [list(range(20)), list(reversed(range(20))), list(range(10, 20)) + list(range(10))]
    with ThreadPoolExecutor(len(orders)) as pool:
        results = [taken for run in pool.map(intake, orders) for taken in run]
    assert Counter(taken.outcome for taken in results) == {"ticket": 20, "duplicate": 40}
    with sessions() as session:
        assert (_count(session, Ticket), _count(session, InboundMail)) == (20, 20)


def test_hostile_headers_are_cleaned_not_fatal(session, feed):
    raw = (
        b'From: "Eve\x00\xff" <eve@else.test>\r\n'
        b"Subject: =?x-bogus?q?hi?= \x00there \xd0\xbf\xd1\x80\xd0\xb8\r\n"
        b"Message-ID: <\xff\x00odd@else.test>\r\n"
        b"References: <a\x00b@c> <" + b"x" * 5000 + b"@long>\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b'--B\r\nContent-Type: text/plain; charset="utf-8\x00"\r\n\r\ntext\x00 here\r\n'
        b"--B\r\nContent-Type: application/octet-stream\x00\r\n"
        b'Content-Disposition: attachment; filename="..\\\\..\\\\evil\x00.bat"\r\n\r\n@echo\r\n'
        b"--B--\r\n"
    )
    taken = feed(raw)
    assert taken.outcome == "ticket" and "\x00" not in taken.subject + taken.text
    assert taken.text == "text here" and taken.subject.endswith("there при")
    [attachment] = session.scalars(select(TicketAttachment)).all()
    assert attachment.filename == "evil.bat"
    assert feed(raw).outcome == "duplicate"
