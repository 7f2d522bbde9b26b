"""Polling a mailbox: each unseen message taken once, marked only after it is committed."""

import pytest
from sqlalchemy import func, select

from tests.tickets.intake_mail import mail
from tickets.intake import imap
from tickets.intake.models import InboundMail
from tickets.jobs import jobs


class Mailbox:
    """The part of IMAPClient the poll uses, over a dict of messages."""

    def __init__(self, messages: dict[int, bytes], capabilities=("MOVE",)) -> None:
        self.messages, self.seen, self.moved = messages, set(), {}
        self.capabilities, self.selected, self.logged_out = capabilities, None, False

    def select_folder(self, folder):
        self.selected = folder

    def search(self, criteria):
        assert criteria == ["UNSEEN"]
        return [uid for uid in self.messages if uid not in self.seen]

    def fetch(self, uids, parts):
        assert parts == ["BODY.PEEK[]"], "fetching must not mark the message seen"
        return {uid: {b"BODY[]": self.messages[uid]} for uid in uids if uid in self.messages}

    def add_flags(self, uids, flags):
        self.seen.update(uids)

    def has_capability(self, name):
        return name in self.capabilities

    def move(self, uids, folder):
        for uid in uids:
            self.moved[uid] = folder
            del self.messages[uid]

    def logout(self):
        self.logged_out = True


@pytest.fixture
def imap_settings(settings):
    return settings.model_copy(update={"imap_host": "imap.test", "imap_user": "desk"})


def _records(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(InboundMail))


def test_poll_takes_unseen_mail_and_marks_it_seen(sessions, imap_settings):
    box = Mailbox({1: mail().as_bytes(), 2: mail(subject="Second").as_bytes()})
    assert imap.poll(sessions, imap_settings, lambda s: box) == 2
    assert box.seen == {1, 2} and box.selected == "INBOX" and box.logged_out
    assert imap.poll(sessions, imap_settings, lambda s: box) == 0
    assert _records(sessions) == 2


def test_poll_moves_taken_mail_to_the_done_folder(sessions, imap_settings):
    box = Mailbox({7: mail().as_bytes()})
    done = imap_settings.model_copy(update={"imap_done_folder": "Desk/Done"})
    assert imap.poll(sessions, done, lambda s: box) == 1
    assert box.moved == {7: "Desk/Done"}


def test_message_whose_taking_fails_stays_unseen_for_the_next_poll(
    sessions, imap_settings, monkeypatch
):
    box = Mailbox({1: mail().as_bytes()})

    def down(*args):
        raise ConnectionError("database is down")

    with monkeypatch.context() as patch:
        patch.setattr(imap, "take_once", down)
        with pytest.raises(ConnectionError):
            imap.poll(sessions, imap_settings, lambda s: box)
    assert box.seen == set() and box.logged_out
    assert imap.poll(sessions, imap_settings, lambda s: box) == 1


def test_a_crash_after_the_commit_only_repeats_a_duplicate(sessions, imap_settings):
    raw = mail().as_bytes()
    imap.poll(sessions, imap_settings, lambda s: Mailbox({1: raw}))
    # The mark was lost: the same message is unseen again.
    assert imap.poll(sessions, imap_settings, lambda s: Mailbox({1: raw})) == 1
    assert _records(sessions) == 1


def test_no_mailbox_is_polled_without_a_host(sessions, settings):
    assert imap.poll(sessions, settings, lambda s: pytest.fail("connected")) == 0


def test_the_poll_is_a_desk_job_paced_by_its_setting(settings):
    [job] = [job for job in jobs() if job.name == "imap"]
    assert job.pause(settings.model_copy(update={"imap_interval": 5.0})) == 5.0
