"""Hand-written messages for the intake tests, built as a mailer would send them."""

import itertools
from email.message import EmailMessage
from email.utils import make_msgid

PROBLEM = "Принтер не печатает после обновления драйвера, помогите пожалуйста."
_numbers = itertools.count(1)


def mail(
    subject: str = "Printer jams",
    body: str = "It jams on the second page every time.",
    sender: str = "Anna Client <anna@client.test>",
    message_id: str | None = "new",
    **headers: str,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "desk@spravka.test"
    message["Subject"] = subject
    if message_id == "new":
        message["Message-ID"] = make_msgid(f"m{next(_numbers)}", "client.test")
    elif message_id:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def in_charset(encoded: bytes, declared: str | None, subject: str = "Принтер") -> bytes:
    """A plain-text message whose body bytes are `encoded`, labelled `declared` (or not)."""
    message = mail(subject=subject)
    message.set_content(encoded, "text", "plain", cte="8bit")
    if declared:
        message.set_param("charset", declared)
    return message.as_bytes()


def delivery_report(sender: str = "Mail System <mx@client.test>") -> bytes:
    return (
        f"From: {sender}\r\n"
        "To: desk@spravka.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.client.test>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.client.test\r\n\r\n"
        "Final-Recipient: rfc822; nobody@client.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--B--\r\n"
    ).encode()
