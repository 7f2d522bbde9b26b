# ruff: noqa: E501 - the test corpus reads best one article a line
"""Search that forgives: typos, the other keyboard layout, synonyms and model codes, in both
languages, through the search service with the shipped synonyms and the catalogue."""

import time

import pytest

from indexer.documents import Document
from indexer.index import SearchIndex
from kb_service.access import ANONYMOUS
from kb_service.search.service import SearchService
from kb_service.search.synonyms import SynonymSource, add_synonym, delete_synonym
from tests.builders import make_article, make_product

EDITOR = ANONYMOUS.__class__(kind="staff", roles=frozenset({"editor"}), groups=None)

ARTICLES = {
    # Russian
    "r-proj": ("Проектор не включается", "Если проектор не включается, проверьте кабель питания, лампу и пульт."),
    "r-print": ("Принтер не печатает", "Проверьте очередь печати, бумагу и картридж. Перезапустите службу печати."),
    "r-wifi": ("Ноутбук не подключается к Wi-Fi", "Включите беспроводной адаптер, выберите сеть и введите пароль."),
    "r-mfu": ("Сканирование на многофункциональном устройстве", "Положите документ на стекло и нажмите кнопку «Сканировать»."),
    "r-soft": ("Установка программного обеспечения", "Программы ставит администратор через центр приложений."),
    "r-lp": ("Замятие бумаги в LP-2040", "Откройте заднюю крышку LP-2040 и извлеките лист."),
    "r-mail": ("Настройка электронной почты", "Укажите сервер входящей почты и пароль."),
    "r-vpn": ("Подключение к VPN из дома", "Установите клиент удалённого доступа и войдите."),
    "r-pass": ("Сброс пароля учётной записи", "Пароль меняют на странице входа: нажмите «Забыли пароль»."),
    "r-monitor": ("Монитор мерцает", "Проверьте кабель HDMI и частоту обновления экрана."),
    # English
    "e-proj": ("Projector shows no picture", "Check the HDMI cable and the projector input source."),
    "e-print": ("Printer prints blank pages", "Replace the toner cartridge and run the cleaning cycle."),
    "e-wifi": ("Laptop cannot join the wireless network", "Turn on the wireless adapter and choose the network."),
    "e-lp": ("LP-2040 error 0x80070005", "The LP-2040 driver needs administrator rights."),
    "e-keyboard": ("Keyboard types wrong letters", "Switch the input language with Alt+Shift."),
    "e-backup": ("Restore files from backup", "Open the backup console and pick a date."),
    "e-cx": ("Configure the CX 900 scanner", "Install the CX900 TWAIN driver."),
    "e-update": ("Windows update fails", "Run the update troubleshooter and restart."),
}  # fmt: skip
PRODUCTS = {"r-lp": ("LP-2040",), "e-lp": ("LP-2040",)}

# (typed, interface language, the article that must come first)
TABLE = [
    # Typos, Russian: a letter dropped, doubled, swapped, replaced
    ("пректор", "ru", "r-proj"),
    ("проэктор", "ru", "r-proj"),
    ("принер", "ru", "r-print"),
    ("прнтер не печатет", "ru", "r-print"),
    ("принтр не печатает", "ru", "r-print"),
    ("сканированние", "ru", "r-mfu"),
    ("установка програмного обеспечения", "ru", "r-soft"),
    ("мерцает монитр", "ru", "r-monitor"),
    ("сбрсо пароля", "ru", "r-pass"),
    ("электроной почты", "ru", "r-mail"),
    # Typos, English
    ("projecter", "en", "e-proj"),
    ("pritner blank pages", "en", "e-print"),
    ("wireles network", "en", "e-wifi"),
    ("keybaord wrong letters", "en", "e-keyboard"),
    ("restor files from backup", "en", "e-backup"),
    ("backpu", "en", "e-backup"),
    ("windows updte", "en", "e-update"),
    # Russian typed with the English layout on
    ("ghjtrnjh", "ru", "r-proj"),
    ("ghbynth yt gtxfnftn", "ru", "r-print"),
    ("vjybnjh vthwftn", "ru", "r-monitor"),
    ("c,hjc gfhjkz", "ru", "r-pass"),
    ("yfcnhjqrf 'ktrnhjyyjq gjxns", "ru", "r-mail"),
    # English typed with the Russian layout on
    ("зкщоусещк", "en", "e-proj"),
    ("лунищфкв", "en", "e-keyboard"),
    ("куыещку ашдуы", "en", "e-backup"),
    # Synonyms shipped with the product
    ("вайфай", "ru", "r-wifi"),
    ("wifi", "en", "e-wifi"),
    ("wifi", "ru", "r-wifi"),
    ("МФУ", "ru", "r-mfu"),
    ("ПО", "ru", "r-soft"),
    ("laptop wifi", "en", "e-wifi"),
    ("впн", "ru", "r-vpn"),
    ("ребут принтера", "ru", "r-print"),
    # Product and model codes, with and without separators and case; names from the catalogue
    ("LP2040 замятие", "ru", "r-lp"),
    ("lp 2040 error", "en", "e-lp"),
    ("lp-2040 driver", "en", "e-lp"),
    ("Lp_2040 бумага", "ru", "r-lp"),
    ("cx900", "en", "e-cx"),
    ("CX-900 driver", "en", "e-cx"),
    ("laserprint 2040 замятие", "ru", "r-lp"),
    ("LaserPrint 2040 error", "en", "e-lp"),
    # The interface language and the query's script choose between languages
    ("HDMI cable", "en", "e-proj"),
    ("кабель HDMI", "en", "r-monitor"),
]


@pytest.fixture
def service(tmp_path, sessions):
    with sessions.begin() as session:
        make_product(session, "LP-2040", name="LaserPrint 2040")
    index = SearchIndex(tmp_path / "index")
    docs = [
        Document(
            id=doc_id,
            title=title,
            body=body,
            language={"r": "ru", "e": "en"}[doc_id[0]],
            groups=("public",),
            products=PRODUCTS.get(doc_id, ()),
        )
        for doc_id, (title, body) in ARTICLES.items()
    ]
    index.rebuild(docs, position=0)
    yield SearchService(index, synonyms=SynonymSource(sessions, check_seconds=0))
    index.close()


def test_the_table_has_enough_rows_of_each_kind():
    assert len(TABLE) >= 40
    assert len({expected for _typed, _language, expected in TABLE}) >= 15


@pytest.mark.parametrize(("typed", "interface", "expected"), TABLE)
def test_forgiven_query_finds_its_article_first(service, session, typed, interface, expected):
    result, _event = service.search(session, ANONYMOUS, typed, interface_language=interface)
    assert [hit.id for hit in result.hits][:1] == [expected], (typed, result)


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("пректор", "проектор"),
        ("прнтер не печатет", "принтер не печатает"),
        ("ghjtrnjh", "проектор"),
        ("зкщоусещк", "projector"),
    ],
)
def test_a_query_finding_nothing_is_searched_corrected_and_says_so(
    service, session, typed, searched
):
    result, _event = service.search(session, ANONYMOUS, typed)
    assert (result.query, result.searched_query, result.corrected) == (typed, searched, True)
    assert result.did_you_mean is None
    exact, _event = service.search(session, ANONYMOUS, typed, exact=True)
    assert (exact.total, exact.corrected) == (0, False)


@pytest.mark.parametrize(
    "typed",
    ["проектор не включается", "printer blank pages", "LP-2040", "wifi", "вайфай", "HDMI"],
)
def test_no_correction_is_offered_for_a_query_that_finds_good_results(service, session, typed):
    result, _event = service.search(session, ANONYMOUS, typed)
    assert result.total > 0
    assert (result.did_you_mean, result.searched_query, result.corrected) == (None, None, False)


def test_a_long_query_that_finds_something_gets_no_correction(service, session):
    typed = "проектор " + " ".join(f"слвоо{n}" for n in range(20))
    result, _event = service.search(session, ANONYMOUS, typed)
    assert result.hits[0].id == "r-proj"
    assert (result.did_you_mean, result.corrected) == (None, False)


@pytest.mark.parametrize(("typed", "expected"), [("не", "r-"), ("the", "e-")])
def test_a_query_of_stop_words_only_searches_them_as_words(service, session, typed, expected):
    result, _event = service.search(session, ANONYMOUS, typed)
    assert result.total > 0
    assert all(hit.id.startswith(expected) for hit in result.hits)


@pytest.mark.parametrize(
    ("typed", "expected"), [("пректор", "r-proj"), ("ghbynth", "r-print"), ("ghjtrnj", "r-proj")]
)
def test_typeahead_forgives_typos_and_the_layout(service, typed, expected):
    hits = service.suggest(ANONYMOUS, typed)
    assert expected in [hit.id for hit in hits]


def test_an_editors_synonym_applies_at_once_without_a_reindex(service, session, sessions):
    before, _event = service.search(session, ANONYMOUS, "глюк")
    assert before.total == 0
    with sessions.begin() as editing:
        group = add_synonym(editing, EDITOR, "глюк, мерцает")
    after, _event = service.search(session, ANONYMOUS, "глюк")
    assert [hit.id for hit in after.hits] == ["r-monitor"]
    with sessions.begin() as editing:
        delete_synonym(editing, EDITOR, group.id)
    time.sleep(0.01)
    gone, _event = service.search(session, ANONYMOUS, "глюк")
    assert gone.total == 0


def test_the_api_reports_the_corrected_query(client, sessions):
    with sessions.begin() as session:
        make_article(session, id="proj", title="Проектор не включается", language="ru")
    deadline = time.monotonic() + 10
    while True:
        found = client.get("/api/v1/search", params={"q": "пректор"}).json()
        if found["total"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert found["query"] == "пректор"
    assert (found["searched_query"], found["corrected_from"]) == ("проектор", "пректор")
    assert [r["id"] for r in found["results"]] == ["proj"]
    exact = client.get("/api/v1/search", params={"q": "пректор", "exact": "true"}).json()
    assert (exact["total"], exact["searched_query"], exact["corrected_from"]) == (
        0,
        "пректор",
        None,
    )
    plain = client.get("/api/v1/search", params={"q": "проектор"}).json()
    assert (plain["searched_query"], plain["corrected_from"]) == ("проектор", None)
