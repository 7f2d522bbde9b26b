"""The audit log as CSV for a spreadsheet: UTF-8 with a BOM (so Excel reads Cyrillic), and
no cell that a spreadsheet would run as a formula."""

import csv
import io
import json
from collections.abc import Iterable

from kb_service.audit.service import Row

HEADER = ("id", "at", "actor_id", "actor", "action", "target_kind", "target_id", "target",
          "source", "details")  # fmt: skip
# A cell starting with one of these is a formula to Excel and LibreOffice (OWASP: CSV
# injection); tab and carriage return start one too after the spreadsheet trims them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The value as text, with a leading apostrophe where it would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(rows: Iterable[Row]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in rows:
        e = row.entry
        actor = row.actor_email or (e.actor_label if e.actor_id is None else f"#{e.actor_id}")
        details = json.dumps(e.details, ensure_ascii=False, sort_keys=True) if e.details else ""
        cells = (e.id, e.at.isoformat(), e.actor_id, actor, e.action, e.target_kind,
                 e.target_id, row.target_email, e.source, details)  # fmt: skip
        writer.writerow([safe_cell(c) for c in cells])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")
