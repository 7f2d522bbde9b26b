"""Migration t0011 adds the ticket's equipment to a desk already in use: on SQLite it may not
copy and drop `ticket` (that would cascade to its conversation), so the tickets and their
messages must be there afterwards, and the new reference must hold."""

from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import MetaData, insert, select, text

from kb_service.app import MIGRATION_BRANCHES, migrate_schema
from kb_service.db import alembic_config, make_engine

NOW = "2026-11-01 10:00:00"
WHEN = datetime(2026, 11, 1, 10)


def _old_desk(engine) -> None:
    config = alembic_config(MIGRATION_BRANCHES)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "t0010")
    tables = MetaData()
    tables.reflect(engine, only=["ticket", "ticket_message"])
    ticket, message = tables.tables["ticket"], tables.tables["ticket_message"]
    with engine.begin() as connection:
        connection.execute(insert(ticket).values(
            id=1, number="10001", subject="Printer jams", body="Every page.", status="new",
            requester_email="a@example.test", product_id=None, source="portal",
            requester_name="", requester_phone="", locale="ru", priority="normal", version=1,
            trail={}, created_at=WHEN, updated_at=WHEN,
        ))  # fmt: skip
        connection.execute(insert(message).values(
            ticket_id=1, author_kind="client", author_email="", body="More detail.",
            is_resolution=False, is_internal=False, channel="portal", created_at=WHEN,
        ))  # fmt: skip


def test_an_upgraded_desk_keeps_its_tickets_and_messages_and_the_reference_holds(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        _old_desk(engine)
        migrate_schema(engine)
        with engine.begin() as connection:
            assert connection.scalar(text("SELECT count(*) FROM ticket_message")) == 1
            assert connection.scalar(text("SELECT equipment_id FROM ticket")) is None
            connection.execute(text(
                "INSERT INTO organisation (id, name, created_at) VALUES (1, 'Альфа', :now)"
            ), {"now": NOW})  # fmt: skip
            connection.execute(text(
                "INSERT INTO product (id, code, name, description, status, created_at, "
                "updated_at) VALUES (1, 'P', 'P', '', 'active', :now, :now)"
            ), {"now": NOW})  # fmt: skip
            connection.execute(text(
                "INSERT INTO equipment (id, organisation_id, product_id, created_at, updated_at)"
                " VALUES ('eq-1', 1, 1, :now, :now)"
            ), {"now": NOW})  # fmt: skip
            connection.execute(text("UPDATE ticket SET equipment_id = 'eq-1'"))
            with pytest.raises(Exception, match="FOREIGN KEY"), connection.begin_nested():
                connection.execute(text("UPDATE ticket SET equipment_id = 'nothing'"))
            connection.execute(text("DELETE FROM equipment"))
            assert connection.execute(select(text("equipment_id")).select_from(
                text("ticket"))).scalar() is None  # fmt: skip
            assert connection.scalar(text("PRAGMA integrity_check")) == "ok"
    finally:
        engine.dispose()
