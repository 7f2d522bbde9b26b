"""Failed sign-ins cost growing waits, per account at an address and per address, never a lock."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kb_service.accounts import throttle
from kb_service.accounts.models import LoginFailure
from kb_service.accounts.service import try_sign_in
from kb_service.accounts.throttle import ACCOUNT_AT_ADDRESS, ADDRESS, WINDOW, Limit
from tests.builders import make_user

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
RECENT = timedelta(seconds=5)
SMALL = Limit(free=3, first_wait=timedelta(seconds=30), longest_wait=timedelta(minutes=4))


def _failures(count: int, last: timedelta = timedelta(0)) -> list[datetime]:
    """`count` failures a second apart, the latest `last` before NOW."""
    return [NOW - last - timedelta(seconds=i) for i in range(count)]


@pytest.mark.parametrize(
    ("failures", "expected"),
    [
        ([], None),
        (_failures(2), None),  # still free
        (_failures(3), timedelta(seconds=30)),  # the first wait
        (_failures(4), timedelta(minutes=1)),  # doubles per further failure
        (_failures(5), timedelta(minutes=2)),
        (_failures(6), timedelta(minutes=4)),
        (_failures(50), timedelta(minutes=4)),  # up to the longest wait
        (_failures(10_000), timedelta(minutes=4)),  # however many
        (_failures(4, last=timedelta(seconds=20)), timedelta(seconds=40)),  # counts from the last
        (_failures(4, last=timedelta(minutes=1)), None),  # waited long enough
        ([NOW - WINDOW, *_failures(2, last=RECENT)], None),  # forgotten after the window
        ([NOW - WINDOW + timedelta(seconds=1), *_failures(2, last=RECENT)], timedelta(seconds=25)),
    ],
)
def test_wait_grows_with_failures_up_to_the_longest(failures, expected):
    assert throttle.wait(failures, SMALL, NOW) == expected


def test_the_longer_of_the_account_and_the_address_waits_applies():
    account = _failures(ACCOUNT_AT_ADDRESS.free + 1)
    address = _failures(ADDRESS.free + 4)
    assert throttle.retry_after(account, [], NOW) == timedelta(minutes=1)
    assert throttle.retry_after(account, address, NOW) == timedelta(minutes=8)
    assert throttle.retry_after([], address[: ADDRESS.free - 1], NOW) is None


def test_an_office_behind_one_address_may_fail_far_more_often_than_one_account():
    assert ADDRESS.free >= 10 * ACCOUNT_AT_ADDRESS.free


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:a::1", "2001:db8:1:2::/64"),  # one subscriber's block counts as one
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("testclient", "testclient"),
    ],
)
def test_addresses_are_counted_per_subscriber(address, key):
    assert throttle.address_key(address) == key


def test_the_account_key_ignores_case_and_keeps_no_address_in_clear():
    key = throttle.account_key(" A@X.test ")
    assert key == throttle.account_key("a@x.test") and "x.test" not in key


def _fail(session, times: int, email="a@x.test", address="192.0.2.1", at=NOW):
    for _ in range(times):
        assert try_sign_in(session, email, "wrong password", address, at).user is None


def test_failures_are_recorded_and_throttle_the_next_attempt(session):
    make_user(session, email="a@x.test")
    _fail(session, ACCOUNT_AT_ADDRESS.free)
    refused = try_sign_in(session, "a@x.test", "correct horse", "192.0.2.1", NOW)
    assert refused.user is None and refused.wait == ACCOUNT_AT_ADDRESS.first_wait
    later = NOW + ACCOUNT_AT_ADDRESS.first_wait
    assert try_sign_in(session, "a@x.test", "correct horse", "192.0.2.1", later).user is not None


def test_a_success_clears_the_failures_of_the_account_at_that_address_only(session):
    make_user(session, email="a@x.test")
    _fail(session, 2)
    _fail(session, 2, email="b@x.test")
    assert try_sign_in(session, "a@x.test", "correct horse", "192.0.2.1", NOW).user is not None
    remaining = session.scalars(select(LoginFailure.account)).all()
    assert remaining == [throttle.account_key("b@x.test")] * 2


def test_old_failures_are_pruned_when_a_new_one_is_written(session):
    _fail(session, 3, at=NOW - WINDOW - timedelta(minutes=1))
    _fail(session, 1)
    assert session.scalar(select(func.count()).select_from(LoginFailure)) == 1
