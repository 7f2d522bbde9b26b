"""Logs: one JSON object a line, with the request's id, and nothing personal in them."""

import io
import json
import logging

import pytest

from kb_service.logs import JsonFormatter, redact, request_id


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("mail to ivan.petrov@example.ru failed", "mail to [e-mail] failed", "ivan.petrov"),
        ("call +7 (912) 345-67-89 back", "call [phone] back", "345-67-89"),
        ("call 8 800 555 35 35", "call [phone]", "555 35 35"),
        ("Authorization: Bearer abc.def.ghi", "Authorization: Bearer [token]", "abc.def"),
        ("token spr_AbCdEf0123456789xyz used", "token [token] used", "spr_AbCd"),
        ("ticket 2026-00042 moved at 10:30 on 2026-11-27", "ticket 2026-00042 moved", None),
        ("version 10.0.19045 of LP-2040", "version 10.0.19045 of LP-2040", None),
    ],
)
def test_redact_masks_personal_data_and_keeps_ordinary_text(text, kept, gone):
    result = redact(text)
    assert kept in result
    if gone:
        assert gone not in result


def test_a_json_line_carries_the_request_id_and_extra_fields():
    record = logging.LogRecord("spravka.x", logging.WARNING, __file__, 1,
                               "sent to %s", ("a@b.example",), None)  # fmt: skip
    record.ms = 12.5
    token = request_id.set("req-0001-abc")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["message"] == "sent to [e-mail]"
    assert (line["level"], line["logger"], line["request_id"], line["ms"]) == (
        "warning",
        "spravka.x",
        "req-0001-abc",
        12.5,
    )


@pytest.fixture
def access_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("spravka.access")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_each_request_gets_an_id_and_one_access_line_without_its_path(client, access_lines):
    given = client.get("/api/v1/tickets/424242", headers={"X-Request-ID": "lb-req-0000001"})
    assert given.headers["x-request-id"] == "lb-req-0000001"
    made = client.get("/search", params={"q": "ivan@example.ru"},
                      headers={"X-Request-ID": "<script>"})  # fmt: skip
    assert made.headers["x-request-id"] != "<script>" and len(made.headers["x-request-id"]) == 32
    lines = access_lines()
    by_id = {line["request_id"]: line for line in lines}
    first = by_id["lb-req-0000001"]
    assert first["route"] == "/api/v1/tickets/{number}" and first["status"] == given.status_code
    assert made.headers["x-request-id"] in by_id
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    assert "424242" not in text and "ivan" not in text and "<script>" not in text
