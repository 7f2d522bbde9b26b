"""Calendars and service contracts through the API: who may change them, what is refused."""

import pytest

from kb_service.accounts import service as accounts
from tests.builders import auth, make_token

WEEK = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
TERMS = {
    "low": {"response_minutes": 480, "resolution_minutes": 2700},
    "normal": {"response_minutes": 240, "resolution_minutes": 1620},
    "high": {"response_minutes": 60, "resolution_minutes": 480},
    "urgent": {"response_minutes": 15, "resolution_minutes": 120},
}


@pytest.fixture
def world(sessions):
    with sessions.begin() as s:
        tokens = {r: make_token(s, [r]) for r in ("client", "engineer", "manager", "admin")}
        organisation = accounts.get_or_create_organisation(s, "Acme").id
    return {"tokens": tokens, "organisation": organisation}


def _as(world, role):
    return auth(world["tokens"][role])


def _calendar(client, world, **overrides):
    body = {"name": "Vladivostok office", "time_zone": "Asia/Vladivostok", "week": WEEK}
    response = client.post(
        "/api/v1/calendars", json=body | overrides, headers=_as(world, "manager")
    )
    assert response.status_code == 201, response.text
    return response.json()


def _contract_body(world, calendar_id, **overrides):
    return {
        "organisation_id": world["organisation"],
        "name": "Premium 2027",
        "level": "premium",
        "starts_on": "2027-01-01",
        "ends_on": "2027-12-31",
        "calendar_id": calendar_id,
        "terms": TERMS,
    } | overrides


def test_a_fresh_installation_has_a_default_calendar_and_default_terms(client, world):
    engineer = _as(world, "engineer")
    contracts = client.get("/api/v1/contracts", headers=engineer).json()
    (default,) = [c for c in contracts if c["organisation_id"] is None]
    assert default["name"] == "default"
    assert default["terms"]["urgent"] == {"response_minutes": 30, "resolution_minutes": 240}
    calendar = client.get(f"/api/v1/calendars/{default['calendar_id']}", headers=engineer).json()
    assert calendar["time_zone"] == "Europe/Moscow"
    days = {d["date"][5:]: d["kind"] for d in calendar["days"]}
    assert days["01-01"] == "holiday" and days["06-12"] == "holiday"


def test_manager_keeps_a_calendar_with_its_days(client, world):
    manager = _as(world, "manager")
    calendar = _calendar(client, world)
    url = f"/api/v1/calendars/{calendar['id']}"
    saturday = {"kind": "workday", "hours": [["10:00", "14:00"]], "name": "Stocktaking"}
    assert client.put(f"{url}/days/2027-02-20", json=saturday, headers=manager).status_code == 200
    holiday = {"kind": "holiday", "name": "Founders' day"}
    assert client.put(f"{url}/days/2027-03-01", json=holiday, headers=manager).status_code == 200
    assert client.delete(f"{url}/days/2027-03-01", headers=manager).status_code == 204
    shown = client.get(url, headers=_as(world, "engineer")).json()
    assert shown["days"] == [
        {
            "date": "2027-02-20",
            "kind": "workday",
            "hours": [["10:00", "14:00"]],
            "name": "Stocktaking",
        }
    ]
    renamed = client.put(url, json={**_body(calendar), "name": "VVO"}, headers=manager)
    assert renamed.json()["name"] == "VVO" and len(renamed.json()["days"]) == 1


def _body(calendar):
    return {k: calendar[k] for k in ("name", "time_zone", "week")}


def test_manager_creates_reads_and_changes_a_contract(client, world):
    manager = _as(world, "manager")
    calendar = _calendar(client, world)
    created = client.post(
        "/api/v1/contracts", json=_contract_body(world, calendar["id"]), headers=manager
    )
    assert created.status_code == 201, created.text
    contract = created.json()
    assert contract["organisation"] == "Acme" and contract["auto_notify_client"] is True
    url = f"/api/v1/contracts/{contract['id']}"
    change = {"ends_on": None, "auto_notify_client": False}
    assert client.patch(url, json=change, headers=manager).status_code == 428
    edited = {**manager, "If-Match": created.headers["ETag"]}
    changed = client.patch(url, json=change, headers=edited)
    assert changed.status_code == 200, changed.text
    assert client.patch(url, json={"name": "Mine"}, headers=edited).status_code == 409
    shown = client.get(url, headers=_as(world, "engineer")).json()
    assert (shown["ends_on"], shown["auto_notify_client"]) == (None, False)
    listed = client.get(
        "/api/v1/contracts", params={"organisation_id": world["organisation"]}, headers=manager
    )
    assert [c["id"] for c in listed.json()] == [contract["id"]]


@pytest.mark.parametrize(
    "overrides",
    [
        {"time_zone": "Mars/Olympus"},
        {"time_zone": "Moscow"},
        {"week": {"mon": [["18:00", "09:00"]]}},
        {"week": {"monday": [["09:00", "18:00"]]}},
        {"week": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}},
    ],
)
def test_malformed_calendars_are_422(client, world, overrides):
    body = {"name": "Bad", "time_zone": "Europe/Moscow", "week": WEEK} | overrides
    response = client.post("/api/v1/calendars", json=body, headers=_as(world, "manager"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "overrides",
    [
        {"starts_on": "2027-06-01", "ends_on": "2027-05-31"},
        {"terms": {k: v for k, v in TERMS.items() if k != "low"}},
        {"terms": TERMS | {"urgent": {"response_minutes": 300, "resolution_minutes": 120}}},
        {"terms": TERMS | {"urgent": {"response_minutes": 0, "resolution_minutes": 120}}},
    ],
)
def test_malformed_contracts_are_422(client, world, overrides):
    calendar = _calendar(client, world)
    body = _contract_body(world, calendar["id"], **overrides)
    response = client.post("/api/v1/contracts", json=body, headers=_as(world, "manager"))
    assert response.status_code == 422, response.text


def test_a_change_that_ends_a_contract_before_it_starts_is_422(client, world):
    manager = _as(world, "manager")
    calendar = _calendar(client, world)
    made = client.post(
        "/api/v1/contracts", json=_contract_body(world, calendar["id"]), headers=manager
    ).json()
    response = client.patch(
        f"/api/v1/contracts/{made['id']}",
        json={"ends_on": "2026-12-31"},
        headers={**manager, "If-Match": f'"{made["version"]}"'},
    )
    assert response.status_code == 422, response.text
    assert client.get(f"/api/v1/contracts/{made['id']}", headers=manager).json()["ends_on"] == (
        "2027-12-31"
    )


def test_unknown_calendar_organisation_and_a_second_default_are_refused(client, world):
    manager = _as(world, "manager")
    calendar = _calendar(client, world)
    no_calendar = _contract_body(world, calendar["id"] + 1000)
    assert client.post("/api/v1/contracts", json=no_calendar, headers=manager).status_code == 422
    no_org = _contract_body(world, calendar["id"], organisation_id=world["organisation"] + 1000)
    assert client.post("/api/v1/contracts", json=no_org, headers=manager).status_code == 422
    default = _contract_body(world, calendar["id"], organisation_id=None)
    assert client.post("/api/v1/contracts", json=default, headers=manager).status_code == 409
    assert client.get("/api/v1/contracts/999999", headers=manager).status_code == 404
    assert client.get("/api/v1/calendars/3000000000", headers=manager).status_code == 422


def test_a_calendar_name_is_taken_once(client, world):
    _calendar(client, world)
    again = client.post(
        "/api/v1/calendars",
        headers=_as(world, "admin"),
        json={"name": "Vladivostok office", "time_zone": "UTC", "week": {}},
    )
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("role", "reads", "writes"),
    [("client", 403, 403), ("engineer", 200, 403), ("manager", 200, 201), ("admin", 200, 201)],
)
def test_staff_read_and_managers_change(client, world, role, reads, writes):
    headers = _as(world, role)
    assert client.get("/api/v1/calendars", headers=headers).status_code == reads
    assert client.get("/api/v1/contracts", headers=headers).status_code == reads
    body = {"name": f"by {role}", "time_zone": "UTC", "week": WEEK}
    assert client.post("/api/v1/calendars", json=body, headers=headers).status_code == writes
