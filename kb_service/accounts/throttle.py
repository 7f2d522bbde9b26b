"""Slowing down password guessing: a pure rule over the times of failed sign-ins.

The rule follows OWASP's Authentication and Credential Stuffing cheat sheets: a hard lockout
of an account is itself an attack (anyone who knows an e-mail address could lock its owner
out), so failures only ever cost time, and the time grows with every further failure:

- Per account *at one address*: five failures are free (people mistype), then each further
  attempt waits 30 s after the last failure, doubling per failure up to 15 minutes. The key
  includes the address, so an attacker hammering an account from elsewhere never slows down
  its owner signing in from their usual address.
- Per address, over all accounts: a hundred failures are free, since a client's whole office
  may sign in from behind one NAT address, then the same growing wait. This bounds password
  spraying (one password tried against many accounts) from one address.

Failures count for a day, so a patient attacker stays at the longest wait instead of earning
free attempts back; a successful sign-in clears its (account, address) failures, not the
address's. An attempt refused for waiting is not a failure, so hammering does not lengthen
the wait of anyone. IPv6 addresses count per /64, the block one subscriber usually holds.

Not covered: a botnet guessing one account from many addresses gets five free attempts and
then the growing wait per address. Argon2's cost and the password rules carry that case.
"""

import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# How long a failure counts; longer than the longest wait, or waits would stop growing.
WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Limit:
    free: int  # failures before the first wait
    first_wait: timedelta
    longest_wait: timedelta


ACCOUNT_AT_ADDRESS = Limit(5, timedelta(seconds=30), timedelta(minutes=15))
ADDRESS = Limit(100, timedelta(seconds=30), timedelta(minutes=15))
# 2**20 first waits are far beyond any longest wait; a cap keeps the power small.
_MAX_DOUBLINGS = 20


def wait(failures: Sequence[datetime], limit: Limit, now: datetime) -> timedelta | None:
    """How long one key must still wait after these failures, or None when it may try now."""
    recent = sorted(t for t in failures if t > now - WINDOW)
    beyond = len(recent) - limit.free
    if beyond < 0:
        return None
    delay = min(limit.longest_wait, limit.first_wait * 2 ** min(beyond, _MAX_DOUBLINGS))
    ready = recent[-1] + delay
    return ready - now if ready > now else None


def retry_after(
    account_failures: Sequence[datetime], address_failures: Sequence[datetime], now: datetime
) -> timedelta | None:
    """The longer of the two waits: of the account at this address, and of the address."""
    waits = (
        wait(account_failures, ACCOUNT_AT_ADDRESS, now),
        wait(address_failures, ADDRESS, now),
    )
    return max((w for w in waits if w is not None), default=None)


def account_key(email: str) -> str:
    # Only a hash is stored: people type their password into the e-mail field too.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def address_key(address: str) -> str:
    """The address as the throttle counts it: IPv6 per /64 network, anything else as given."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))
