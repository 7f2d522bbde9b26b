"""How a notification leaves: composed as a MIME message, then over SMTP or into a folder."""

import smtplib
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime
from pathlib import Path

from kb_service import mail
from kb_service.config import Settings
from kb_service.db import utcnow
from tickets.notifications.models import Notification


def compose(settings: Settings, row: Notification) -> EmailMessage:
    """The message of `row`: threaded on its ticket, marked automatic (RFC 3834)."""
    message = EmailMessage(policy=default)
    message["From"] = settings.smtp_from
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at or utcnow())
    message["Message-ID"] = row.message_id
    message["In-Reply-To"] = row.thread_id
    message["References"] = row.thread_id
    # Keeps vacation responders from answering, and so from opening tickets of their own.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message["Content-Language"] = row.locale
    message.set_content(row.body)
    return message


class Smtp:
    """One connection for a batch, opened on the first message and again after an error."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._connection: smtplib.SMTP | None = None

    def send(self, message: EmailMessage, row: Notification) -> None:
        if self._connection is None:
            self._connection = self._connect()
        try:
            self._connection.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            raise  # the connection is still good
        except (smtplib.SMTPException, OSError):
            self.close()
            raise

    def _connect(self) -> smtplib.SMTP:
        return mail.connect(self._settings)

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (smtplib.SMTPException, OSError):
                self._connection.close()
            self._connection = None


class MailFolder:
    """Without an SMTP server: each message as `<created>-<id>.eml` in the mail folder.

    Written aside and renamed, so a reader never sees half a message; the name comes from the
    row, so sending the same row again replaces the file instead of adding one.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def send(self, message: EmailMessage, row: Notification) -> None:
        mail.write_to_folder(self._folder, file_name(row), message)

    def close(self) -> None:
        pass


def file_name(row: Notification) -> str:
    return f"{row.created_at:%Y%m%d-%H%M%S}-{row.id}.eml"
