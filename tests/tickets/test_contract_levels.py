"""Contract levels reach the knowledge base's access through the seam of
kb_service/accounts/entitlements.py: saved with the contract, ended by its last day."""

from datetime import date, timedelta

from sqlalchemy import delete

from kb_service.accounts import service as accounts
from kb_service.accounts.models import OrganisationLevel
from kb_service.config import Settings
from kb_service.db import utcnow
from tests.builders import make_user
from tests.tickets.test_deadlines import around_the_clock_contract
from tickets.contracts import service as contracts
from tickets.contracts.levels import mirror_all


def _groups(session, user):
    return accounts.viewer_for(session, user).groups


def test_a_client_reads_as_their_contract_level_from_the_moment_it_is_saved(session):
    user = make_user(session, organisation="Acme")
    assert "contract:premium" not in _groups(session, user)
    around_the_clock_contract(session, starts_on=date(2026, 1, 1))
    assert "contract:premium" in _groups(session, user)
    [contract] = contracts.list_contracts(session, user.organisation_id)
    contracts.update_contract(session, contract.id, {"level": "basic"}, contract.version)
    groups = _groups(session, user)
    assert "contract:basic" in groups and "contract:premium" not in groups


def test_an_ended_or_future_contract_grants_no_level(session):
    today = utcnow().date()
    user = make_user(session, organisation="Acme")
    around_the_clock_contract(session, starts_on=date(2025, 1, 1), ends_on=today - timedelta(1))
    assert "contract:premium" not in _groups(session, user)
    [contract] = contracts.list_contracts(session, user.organisation_id)
    contracts.update_contract(session, contract.id, {"ends_on": today}, contract.version)
    assert "contract:premium" in _groups(session, user)  # its last day still counts
    contracts.update_contract(
        session, contract.id, {"starts_on": today + timedelta(1), "ends_on": None}, 2
    )
    assert "contract:premium" not in _groups(session, user)


def test_the_job_hands_over_levels_of_contracts_made_before(sessions):
    with sessions.begin() as s:
        user = make_user(s, organisation="Acme")
        around_the_clock_contract(s, starts_on=date(2026, 1, 1))
        s.execute(delete(OrganisationLevel))  # as before the knowledge base kept levels
        user_id = user.id
    mirror_all(sessions, Settings())
    with sessions() as s:
        assert "contract:premium" in _groups(s, accounts.get_user(s, user_id))
