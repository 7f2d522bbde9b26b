"""The console's synonym dictionary: an editor adds, changes and deletes groups, bad input is
a form message, and search follows the change without a reindex."""

import re

from tests.portal.conftest import csrf_of, login

GROUP_RE = re.compile(r'action="[^"]*/console/synonyms/(\d+)"')


def _groups(portal) -> list[int]:
    return [int(n) for n in GROUP_RE.findall(portal.get("/console/synonyms").text)]


def test_an_editor_maintains_the_synonyms_and_search_follows(portal):
    login(portal, "editor@demo.spravka", "demo-editor-pass")
    page = portal.get("/console/synonyms")
    assert page.status_code == 200
    assert "вайфай" in page.text  # the shipped defaults
    before = _groups(portal)
    token = csrf_of(portal, "/console/synonyms")
    added = portal.post(
        "/console/synonyms",
        data={"terms": "кракозябры\nкодировка", "csrf_token": token},
        follow_redirects=False,
    )
    assert added.status_code == 303
    (new,) = set(_groups(portal)) - set(before)
    changed = portal.post(
        f"/console/synonyms/{new}",
        data={"terms": "кракозябры, кодировка, mojibake", "csrf_token": token},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert "mojibake" in portal.get("/console/synonyms").text
    deleted = portal.post(
        f"/console/synonyms/{new}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert new not in _groups(portal)


def test_one_term_is_refused_with_a_message_and_kept_in_the_form(portal):
    login(portal, "editor@demo.spravka", "demo-editor-pass")
    token = csrf_of(portal, "/console/synonyms")
    refused = portal.post("/console/synonyms", data={"terms": "одно", "csrf_token": token})
    assert refused.status_code == 422
    assert 'id="synonyms-error"' in refused.text and "at least two" in refused.text
    assert ">одно</textarea>" in refused.text


def test_the_refusals_speak_the_interface_language(portal):
    login(portal, "editor@demo.spravka", "demo-editor-pass")
    token = csrf_of(portal, "/console/synonyms")
    cases = [
        ("одно", "Give at least two equivalent terms", "Укажите хотя бы два"),
        (", ".join(f"t{n}" for n in range(21)), "at most 20 terms", "не больше 20 слов"),
        ("коротко, " + "д" * 101, "at most 100 characters: " + "д" * 40, "не длиннее 100 знаков"),
    ]
    for locale, said in (("en", 1), ("ru", 2)):
        portal.post("/language", data={"locale": locale, "csrf_token": token})
        for case in cases:
            refused = portal.post("/console/synonyms", data={"terms": case[0], "csrf_token": token})
            assert refused.status_code == 422 and case[said] in refused.text, (locale, case[0])


def test_a_form_without_its_csrf_token_changes_nothing(portal):
    login(portal, "editor@demo.spravka", "demo-editor-pass")
    before = _groups(portal)
    refused = portal.post("/console/synonyms", data={"terms": "a, b"}, follow_redirects=False)
    assert refused.status_code == 403
    assert _groups(portal) == before


def test_clients_and_visitors_cannot_open_the_synonyms(portal):
    assert portal.get("/console/synonyms", follow_redirects=False).status_code in (303, 403)
