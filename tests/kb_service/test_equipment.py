"""Clients' installed base: `spravka import equipment` and /api/v1/equipment."""

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from kb_service.accounts.models import Organisation
from kb_service.catalogue.equipment import import_equipment
from kb_service.catalogue.models import Equipment
from kb_service.catalogue.schemas import EquipmentImport
from kb_service.cli import app
from kb_service.db import session_scope
from tests.builders import auth, make_product, make_token

runner = CliRunner()

ITEMS = [
    {"id": "eq-1", "organisation": "Org A", "product": "LP-2040", "version": "3.2",
     "serial": "SN-001", "location": "Floor 2", "installed_on": "2026-01-10",
     "warranty_until": "2028-01-10", "contract": "SC-17"},
    {"id": "eq-2", "organisation": "Org B", "product": "LP-2040"},
]  # fmt: skip


@pytest.fixture
def cli_env(settings, sessions, monkeypatch):
    monkeypatch.setenv("SPRAVKA_DATABASE_URL", settings.sqlalchemy_url)
    monkeypatch.setenv("SPRAVKA_DATA_DIR", str(settings.data_dir))
    with session_scope(sessions) as session:
        make_product(session, "LP-2040")


def write_jsonl(path, lines):
    path.write_text("\n".join(json.dumps(r) if isinstance(r, dict) else r for r in lines) + "\n")
    return path


def import_file(path):
    return runner.invoke(app, ["import", "equipment", str(path)])


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_import_creates_items_and_their_organisations_and_is_idempotent(cli_env, tmp_path, session):
    path = write_jsonl(tmp_path / "e.jsonl", ITEMS)
    first = import_file(path)
    assert first.exit_code == 0, first.output
    assert "2 read, 2 created, 0 updated, 0 unchanged" in first.output
    second = import_file(path)
    assert "2 read, 0 created, 0 updated, 2 unchanged" in second.output
    assert count(session, Equipment) == 2
    item = session.get(Equipment, "eq-1")
    assert (item.serial, str(item.warranty_until), item.contract) == (
        "SN-001",
        "2028-01-10",
        "SC-17",
    )
    assert sorted(session.scalars(select(Organisation.name))) == ["Org A", "Org B"]


def test_reimport_with_a_new_location_updates_the_item(cli_env, tmp_path, session):
    import_file(write_jsonl(tmp_path / "e.jsonl", ITEMS))
    moved = [{**ITEMS[0], "location": "Floor 3"}, ITEMS[1]]
    result = import_file(write_jsonl(tmp_path / "moved.jsonl", moved))
    assert "1 updated, 1 unchanged" in result.output
    assert session.get(Equipment, "eq-1").location == "Floor 3"


def test_every_bad_line_is_named_and_nothing_is_imported(cli_env, tmp_path, session):
    lines = [
        ITEMS[0],
        {**ITEMS[1], "product": "NO-SUCH"},
        {"id": "eq-3", "organisation": "Org A", "product": "LP-2040",
         "installed_on": "2026-05-01", "warranty_until": "2026-04-30"},
        "{broken",
        {"id": "eq-1", "organisation": "Org A", "product": "LP-2040"},
        {"id": "eq-5", "product": "LP-2040"},
    ]  # fmt: skip
    result = import_file(write_jsonl(tmp_path / "bad.jsonl", lines))
    assert result.exit_code == 2
    for number, reason in [
        (2, "unknown product code 'NO-SUCH'"),
        (3, "warranty_until is before installed_on"),
        (4, "not valid JSON"),
        (5, "id 'eq-1' repeats line 1"),
        (6, "organisation"),
    ]:
        named = [line for line in result.stderr.splitlines() if f"line {number}:" in line]
        assert len(named) == 1 and reason in named[0], result.stderr
    assert "line 1:" not in result.stderr
    assert count(session, Equipment) == 0 and count(session, Organisation) == 0


@pytest.fixture
def installed(sessions):
    """Org A's and Org B's equipment, a client of each, and a token per staff role."""
    with session_scope(sessions) as s:
        make_product(s, "LP-2040", name="LaserPrint 2040")
        make_product(s, "SC-100", name="Scanner")
        tokens = {
            "client": make_token(s, ["client"], "Org A"),
            "other_client": make_token(s, ["client"], "Org B"),
            "loner": make_token(s, ["client"]),
            **{role: make_token(s, [role]) for role in ("dispatcher", "engineer", "editor")},
        }
        items = (ITEMS[0], ITEMS[1], {**ITEMS[1], "id": "eq-3", "product": "SC-100"})
        import_equipment(s, [(n, EquipmentImport(**item)) for n, item in enumerate(items)])
    return tokens


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


def test_staff_see_every_organisation_and_may_filter(client, installed):
    engineer = auth(installed["engineer"])
    assert ids(client.get("/api/v1/equipment", headers=engineer)) == ["eq-1", "eq-2", "eq-3"]
    only_b = client.get("/api/v1/equipment", params={"organisation": "Org B"}, headers=engineer)
    assert ids(only_b) == ["eq-2", "eq-3"]
    scanners = client.get("/api/v1/equipment", params={"product": "SC-100"}, headers=engineer)
    assert ids(scanners) == ["eq-3"]
    one = client.get("/api/v1/equipment/eq-1", headers=engineer).json()
    assert one["organisation"] == "Org A" and one["product_name"] == "LaserPrint 2040"
    assert one["installed_on"] == "2026-01-10"


def test_a_client_sees_only_their_organisations_equipment(client, installed):
    mine = auth(installed["client"])
    assert ids(client.get("/api/v1/equipment", headers=mine)) == ["eq-1"]
    asked = client.get("/api/v1/equipment", params={"organisation": "Org B"}, headers=mine)
    assert ids(asked) == []
    assert client.get("/api/v1/equipment/eq-2", headers=mine).status_code == 404
    assert ids(client.get("/api/v1/equipment", headers=auth(installed["loner"]))) == []
    assert client.get("/api/v1/equipment").status_code == 401


NEW = {"id": "eq-9", "organisation": "Org A", "product": "SC-100", "serial": "S-9"}


def test_dispatchers_record_equipment_and_others_may_not(client, installed):
    dispatcher = auth(installed["dispatcher"])
    made = client.post("/api/v1/equipment", json=NEW, headers=dispatcher)
    assert made.status_code == 201, made.text
    assert client.post("/api/v1/equipment", json=NEW, headers=dispatcher).status_code == 409
    moved = {**NEW, "location": "Basement"}
    saved = client.put("/api/v1/equipment/eq-9", json=moved, headers=dispatcher)
    assert saved.json()["location"] == "Basement"
    for role in ("engineer", "editor", "client"):
        refused = client.put("/api/v1/equipment/eq-9", json=NEW, headers=auth(installed[role]))
        assert refused.status_code == 403


@pytest.mark.parametrize(
    "change, message",
    [
        ({"organisation": "Nobody Ltd"}, "unknown organisation"),
        ({"product": "NO-SUCH"}, "unknown product"),
        ({"installed_on": "2026-02-01", "warranty_until": "2026-01-01"}, "warranty_until"),
    ],
)
def test_an_item_must_name_what_exists_and_end_its_warranty_after_installation(
    client, installed, change, message
):
    response = client.post(
        "/api/v1/equipment", json={**NEW, **change}, headers=auth(installed["dispatcher"])
    )
    assert response.status_code == 422 and message in response.text


def test_an_id_longer_than_the_column_is_refused_before_the_database(client, installed):
    path = "/api/v1/equipment/" + "x" * 101
    response = client.put(path, json=NEW, headers=auth(installed["dispatcher"]))
    assert response.status_code == 422
