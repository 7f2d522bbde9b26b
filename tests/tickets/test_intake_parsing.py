"""Reading raw messages: charsets, HTML, machines' mail, and what cannot be read."""

import pytest

from tests.tickets.intake_mail import PROBLEM, delivery_report, in_charset, mail
from tickets.intake.decoding import latest_reply
from tickets.intake.parsing import Unreadable, fingerprint, parse, unreadable_reason


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [
        ("koi8_r", "koi8-r"),
        ("koi8_r", None),
        ("cp1251", "windows-1251"),
        ("cp1251", None),
        ("utf-8", None),
    ],
)
def test_cyrillic_body_is_read_with_or_without_its_charset(encoding, declared):
    assert parse(in_charset(PROBLEM.encode(encoding), declared)).text == PROBLEM


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [("cp1251", "iso-8859-1"), ("koi8_r", "windows-1251"), ("utf-8", "koi8-r")],
)
def test_body_under_a_wrong_charset_is_read_by_its_bytes(encoding, declared):
    assert parse(in_charset(PROBLEM.encode(encoding), declared)).text == PROBLEM


def test_unknown_charset_name_does_not_stop_reading():
    assert parse(in_charset(PROBLEM.encode("cp1251"), "x-unknown")).text == PROBLEM


@pytest.mark.parametrize(
    ("text", "written", "declared"),
    [("装硬碟问题 鎔", "gb18030", "gb2312"), ("①テスト", "cp932", "shift_jis")],
)
def test_text_in_the_extension_of_its_declared_charset_is_read(text, written, declared):
    assert parse(in_charset(text.encode(written), declared)).text == text


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("プリンターが印刷しません。ドライバーを更新した後、エラーが表示されます。", "shift_jis"),
        ("打印机无法打印。更新驱动程序后出现错误。", "gb18030"),
        ("프린터가 인쇄되지 않습니다. 드라이버 업데이트 후 오류가 표시됩니다.", "euc_kr"),
    ],
)
def test_undeclared_east_asian_text_is_not_taken_for_a_regional_charset(text, encoding):
    assert parse(in_charset(text.encode(encoding), "us-ascii")).text == text


def test_undecodable_bytes_under_a_multibyte_charset_still_give_text():
    assert "Printer" in parse(in_charset(b"Printer \xff\xfe\x80 broken", "euc-kr")).text


def test_western_text_keeps_its_declared_charset():
    text = "Grüße aus München: der Drucker druckt nicht, schöne Straße."
    assert parse(in_charset(text.encode("latin-1"), "iso-8859-1")).text == text


def test_subject_in_raw_8bit_or_encoded_words_is_decoded():
    raw = in_charset(b"body", None, subject="placeholder")
    raw = raw.replace(b"Subject: placeholder", "Subject: Принтер".encode("cp1251"))
    assert "Принтер".encode("cp1251") in raw
    assert parse(raw).subject == "Принтер"
    assert parse(mail(subject="Принтер сломался").as_bytes()).subject == "Принтер сломался"


def test_html_only_body_becomes_text_without_script_or_markup():
    message = mail()
    message.set_content(
        "<html><head><style>p {color: red}</style><script>steal()</script></head>"
        "<body><p>Принтер <b>сломался</b></p><script>alert('x')</script>"
        "<img src=x onerror=alert(1)></body></html>",
        subtype="html",
    )
    text = parse(message.as_bytes()).text
    assert "Принтер сломался" in text
    assert "steal" not in text and "alert" not in text and "<" not in text


def test_blank_plain_alternative_gives_way_to_the_html():
    message = mail(body="\n\n")
    message.add_alternative("<p>Only the HTML says it</p>", subtype="html")
    assert parse(message.as_bytes()).text == "Only the HTML says it"


@pytest.mark.parametrize(
    "header",
    [
        {"Auto_Submitted": "auto-replied"},
        {"X_Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"Precedence": "auto_reply"},
    ],
)
def test_auto_replies_are_recognised(header):
    assert parse(mail(**header).as_bytes()).automatic


def test_person_mail_is_not_automatic():
    assert parse(mail(Auto_Submitted="no").as_bytes()).automatic is None


@pytest.mark.parametrize("sender", ["Mail System <mx@client.test>", "MAILER-DAEMON@mx.test"])
def test_delivery_reports_are_recognised(sender):
    assert parse(delivery_report(sender)).automatic


def test_attachments_are_kept_with_their_names():
    message = mail()
    message.add_attachment(b"MZ\x90\x00", "application", "x-msdownload", filename="setup.exe")
    found = parse(message.as_bytes()).attachments
    assert [(a.filename, a.content) for a in found] == [("setup.exe", b"MZ\x90\x00")]


def test_garbage_is_no_message():
    with pytest.raises(Unreadable):
        parse(b"\x00\xff\xfe garbage \x89PNG\r\n")


def test_message_without_sender_cannot_be_taken_but_a_machine_s_can():
    assert unreadable_reason(parse(b"Subject: hello\n\nwho am I?\n"))
    assert unreadable_reason(parse(b"Subject: x\nAuto-Submitted: auto-replied\n\nout\n")) is None


def test_redelivery_with_other_trace_headers_has_the_same_fingerprint():
    raw = mail(message_id=None).as_bytes()
    redelivered = b"Received: from mx by desk; Mon, 1 Jan 2024\r\nReturn-Path: <a@b>\r\n" + raw
    assert fingerprint(redelivered.replace(b"\n", b"\r\n")) == fingerprint(raw)
    assert fingerprint(raw + b"more") != fingerprint(raw)


@pytest.mark.parametrize(
    "quote",
    [
        "On Mon, 5 May 2025 at 10:00, Desk <desk@spravka.test> wrote:\n> Try again.",
        "5 мая 2025 г., в 10:00, Служба поддержки <desk@spravka.test> написал(а):\n> Ещё раз",
        "-----Original Message-----\nFrom: Desk\nTry again.",
        "> Try again.\n> Thanks",
    ],
)
def test_reply_text_leaves_out_the_quoted_history(quote):
    assert latest_reply(f"Спасибо, помогло.\n\n{quote}\n") == "Спасибо, помогло."
