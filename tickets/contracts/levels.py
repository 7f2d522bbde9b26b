"""The desk's side of contract-level entitlements: the knowledge base keeps which service
levels each organisation holds and over which days (`kb_service/accounts/entitlements.py`,
which may not import the desk), and this hands them over from the contracts.

`mirror_levels` runs in the transaction of every contract created or changed, so a client reads
a premium article the moment the premium contract is saved; the `contract_levels` job hands
over everything again, for contracts made before the knowledge base kept levels. Nothing
needs doing when a contract ends: the days it holds its level are handed over with it.
"""

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kb_service.accounts.entitlements import hold_levels
from kb_service.config import Settings
from kb_service.db import session_scope
from tickets.contracts.models import ServiceContract

log = logging.getLogger(__name__)


def mirror_levels(session: Session, organisation_id: int) -> bool:
    """Hand the organisation's contract levels to the knowledge base; whether they changed."""
    query = select(ServiceContract.level, ServiceContract.starts_on, ServiceContract.ends_on)
    held = session.execute(query.where(ServiceContract.organisation_id == organisation_id))
    return hold_levels(session, organisation_id, [tuple(row) for row in held])


def mirror_all(sessions: sessionmaker[Session], settings: Settings) -> int:
    """The job: hand over every organisation's levels; how many organisations changed."""
    with session_scope(sessions) as session:
        owners = session.scalars(
            select(ServiceContract.organisation_id)
            .where(ServiceContract.organisation_id.is_not(None))
            .distinct()
        ).all()
        # One run does everything: counting changes as work would only run it again at once.
        changed = sum(mirror_levels(session, organisation_id) for organisation_id in owners)
    if changed:
        log.info("contract levels handed over anew for %d organisation(s)", changed)
    return 0
