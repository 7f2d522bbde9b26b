"""Schemathesis against the running service's own OpenAPI schema: generated requests, valid
and not, anonymous and as an administrator; no 5xx and no response that breaks the schema.

The service runs for real (Uvicorn on a free loopback port) on this run's database.
"""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.builders import make_article, make_product, make_token
from tests.live_server import serving

# Generated requests per operation and caller: about 25 operations, so well over 1,000 a run.
EXAMPLES = 40
MINIMUM = 1_000
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def service(app, sessions):
    """The app served over HTTP on 127.0.0.1, with an article, a product and an admin token."""
    with sessions.begin() as s:
        make_product(s, "LP-2040")
        make_article(s, id="kb-0001", title="Printer jams", products=["LP-2040"])
        make_article(s, id="kb-0002", title="Service menu", groups=["internal"])
        token = make_token(s, ["admin"])
    with serving(app, log_level="error") as base_url:
        yield base_url, token


def _fuzzer(operation, base_url: str, http: requests.Session, headers: dict, sent: list):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case):
        sent.append(operation.label)
        case.call_and_validate(base_url=base_url, session=http, headers=headers, checks=CHECKS)

    return run


def test_generated_requests_get_no_server_error_and_match_the_schema(service):
    base_url, token = service
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    http = requests.Session()
    sent, failures = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        for headers in ({}, {"Authorization": f"Bearer {token}"}):
            try:
                _fuzzer(operation, base_url, http, headers, sent)()
            except Exception as exc:  # one operation's failure must not hide another's
                failures.append(f"{operation.label}: {exc}")
    print(f"schemathesis: {len(sent)} generated requests, {len(failures)} failing operations")
    assert not failures, "\n\n".join(failures)
    assert len(sent) >= MINIMUM, f"only {len(sent)} requests were generated"
