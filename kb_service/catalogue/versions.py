"""Versions as numbers: "3.10" comes after "3.9", which text order gets wrong.

Products here are versioned by dotted numbers ("3", "3.2", "3.2.1"); a version written with a
leading "v" ("v3.2") or a suffix ("3.2-beta", "3.2 SP1") counts by its numbers, and a version
with no leading number ("R12", "beta") cannot be placed in a range at all. `packaging` would
refuse most of what equipment lists carry, and is not a dependency: this is all we need.

A range is inclusive at both ends, and an end counts to the precision it is written in: from
"3" is "3.x and later" (3, 3.0.1, 4.2 ...), up to "4" is "up to 4.x" (4.9.9 is in, 5 is not),
up to "4.2" takes in 4.2.7 but not 4.3.
"""

import re

_LEADING = re.compile(r"[vV]?(\d{1,9}(?:\.\d{1,9})*)")
# What an editor may write for a range's end: numbers, optionally ending in ".x" ("3.x").
_BOUND = re.compile(r"[vV]?(\d{1,9}(?:\.\d{1,9}){0,7})(?:\.[xX*])?")


def numbers(version: str | None) -> tuple[int, ...] | None:
    """The leading dotted numbers of a version, or None when it does not start with one."""
    match = _LEADING.match((version or "").strip())
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def bound(text: str | None) -> str | None:
    """A range's end written canonically ("3.x" and "v3" are "3"); None for an empty one.

    Raises ValueError when it is not dotted numbers."""
    text = (text or "").strip()
    if not text:
        return None
    match = _BOUND.fullmatch(text)
    if match is None:
        raise ValueError(f"a version range is written in dotted numbers (3, 3.2), not {text!r}")
    return ".".join(str(int(part)) for part in match.group(1).split("."))


def check_range(low: str | None, high: str | None) -> None:
    """Raises ValueError when the range is empty (its start after its end)."""
    if low and high:
        start, end = numbers(low), numbers(high)
        if _padded(start, len(end))[: len(end)] > end:
            raise ValueError(f"the version range starts ({low}) after it ends ({high})")


def in_range(version: str | None, low: str | None, high: str | None) -> bool:
    """Whether an installed version lies in [low, high] (either end may be open)."""
    found = numbers(version)
    if found is None:
        return False
    if low and _compare(found, numbers(low)) < 0:
        return False
    return not high or _padded(found, len(numbers(high)))[: len(numbers(high))] <= numbers(high)


def _compare(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    width = max(len(a), len(b))
    left, right = _padded(a, width), _padded(b, width)
    return (left > right) - (left < right)


def _padded(parts: tuple[int, ...], width: int) -> tuple[int, ...]:
    return parts + (0,) * (width - len(parts))
