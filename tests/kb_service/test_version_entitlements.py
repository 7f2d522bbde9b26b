"""Version ranges on product restrictions: compared as numbers, decided in access."""

import pytest

from kb_service.access import entitled_ranges, parse_product_group, product_restriction
from kb_service.catalogue import versions


@pytest.mark.parametrize(
    ("version", "low", "high", "inside"),
    [
        ("3.10", "3.9", None, True),  # numbers, not text: "3.10" < "3.9" as text
        ("3.9", "3.10", None, False),
        ("3", "3", None, True),
        ("3.0.1", "3", None, True),
        ("2.99", "3", None, False),
        ("4.9.9", None, "4", True),  # up to 4 is up to 4.x
        ("5", None, "4", False),
        ("4.2.7", "3", "4.2", True),
        ("4.3", "3", "4.2", False),
        ("v3.2", "3", None, True),
        ("3.2-beta", "3", None, True),
        ("3.2 SP1", "3.2", "3.2", True),
        ("R12", "1", None, False),  # no leading number: cannot be placed in a range
        ("", "1", None, False),
        (None, None, "9", False),
    ],
)
def test_an_installed_version_is_in_a_range_by_its_numbers(version, low, high, inside):
    assert versions.in_range(version, low, high) is inside


@pytest.mark.parametrize(
    ("written", "canonical"), [("3.x", "3"), ("v3.2", "3.2"), ("03.2", "3.2"), ("", None)]
)
def test_a_range_end_is_written_canonically(written, canonical):
    assert versions.bound(written) == canonical


@pytest.mark.parametrize("written", ["three", "3.2-beta", "3..2", "3.x.1"])
def test_a_range_end_must_be_dotted_numbers(written):
    with pytest.raises(ValueError):
        versions.bound(written)


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="starts"):
        product_restriction("FLOW", "4", "3.9")
    assert product_restriction("FLOW", "4.1", "4").name == "product:FLOW@4.1..4"


def test_a_product_group_names_its_range_canonically():
    assert parse_product_group("product:FLOW") == product_restriction("FLOW")
    assert parse_product_group("product:FLOW@3.x..").name == "product:FLOW@3.."
    assert parse_product_group("product:FLOW@..4").name == "product:FLOW@..4"
    assert parse_product_group("public") is None
    with pytest.raises(ValueError):
        parse_product_group("product:FLOW@3")


def test_an_item_entitles_to_the_ranges_its_version_and_family_meet():
    ranged = ["product:FLOW@3..", "product:FLOW-10@..2", "product:PUMP@1..", "product:X@bad"]
    flow_3_2 = (["FLOW-10", "FLOW"], "3.2")
    assert entitled_ranges(ranged, [flow_3_2]) == {"product:FLOW@3.."}
    assert entitled_ranges(ranged, [(["FLOW-10", "FLOW"], "2.5")]) == {"product:FLOW-10@..2"}
    # No version: nobody can tell which one runs there, so no ranged restriction opens.
    assert entitled_ranges(ranged, [(["FLOW-10", "FLOW"], None)]) == set()
