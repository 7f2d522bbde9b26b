"""Sending e-mail: the one place that opens SMTP connections and writes the mail folder.

The desk's notifications (tickets/notifications/transport.py) and the core's own messages
(password reset links) both go through here, so the SMTP settings mean the same for both.
Without `SPRAVKA_SMTP_HOST` a message is written as an .eml file into the mail folder.
"""

import os
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, make_msgid
from pathlib import Path

from kb_service.config import Settings
from kb_service.db import utcnow


def connect(settings: Settings) -> smtplib.SMTP:
    """An SMTP connection as the settings say: TLS or STARTTLS, and a login if given."""
    s = settings
    if s.smtp_ssl:
        context = ssl.create_default_context()
        connection = smtplib.SMTP_SSL(
            s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=context
        )
    else:
        connection = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
        if s.smtp_starttls:
            connection.starttls(context=ssl.create_default_context())
    if s.smtp_user:
        password = s.smtp_password.get_secret_value() if s.smtp_password else ""
        connection.login(s.smtp_user, password)
    return connection


def write_to_folder(folder: Path, name: str, message: EmailMessage) -> None:
    """`message` as `folder/name`, written aside and renamed: a reader never sees half."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())
        os.replace(temporary, folder / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def automatic_message(settings: Settings, to: str, subject: str, body: str, locale: str):
    """A plain-text message marked automatic (RFC 3834), so responders do not answer it."""
    message = EmailMessage(policy=default)
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain="spravka")
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message["Content-Language"] = locale
    message.set_content(body)
    return message


def send_now(settings: Settings, message: EmailMessage) -> None:
    """Send one message at once, over SMTP or into the mail folder."""
    if not settings.smtp_host:
        name = f"{utcnow():%Y%m%d-%H%M%S}-{message['Message-ID'].strip('<>')}.eml"
        write_to_folder(settings.mail_path, name, message)
        return
    connection = connect(settings)
    try:
        connection.send_message(message)
    finally:
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()
