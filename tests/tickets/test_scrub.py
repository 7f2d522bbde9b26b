# ruff: noqa: E501 - a table of cases reads best one case a line
"""The personal-data scrubber: every datum of the table gone, every ordinary word kept."""

import re

import pytest

from tickets.scrub import Known, scrub

PERSON = Known(
    names=("Иванов Пётр Сергеевич",),
    organisations=("ООО «Ромашка»",),
    emails=("p.ivanov@romashka.ru",),
    phones=("+7 912 345-67-89",),
    serials=("XK7731",),
)
ENGLISH = Known(names=("Jane Whitfield",), organisations=("Northwind Traders Ltd",))
NONE = Known()

# (text, what the ticket knows, language, personal data that must go, placeholder expected)
CASES = [
    # Phones, Russian formats.
    ("Позвоните мне по номеру +7 (495) 123-45-67 после обеда", NONE, "ru", ["123-45-67", "495"], "[телефон]"),
    ("Горячая линия 8 800 555-35-35 не отвечает", NONE, "ru", ["555-35-35", "800"], "[телефон]"),
    ("Мобильный 8(912)3456789, звонить утром", NONE, "ru", ["3456789", "912"], "[телефон]"),
    ("Мой номер +79123456789 для связи", NONE, "ru", ["79123456789"], "[телефон]"),
    ("Звоните на 89123456789 в рабочее время", NONE, "ru", ["89123456789"], "[телефон]"),
    ("Контакт: +7-912-345-67-89 (Пётр)", NONE, "ru", ["345-67-89"], "[телефон]"),
    ("Офис 8 (495) 123 45 67 доб. 204, спросить бухгалтерию", NONE, "ru", ["123 45 67", "204"], "[телефон]"),
    ("Внутренний 123-45-67 в отделе кадров", NONE, "ru", ["123-45-67"], "[телефон]"),
    ("Тел.:+7 495 123-45-67 приёмная", NONE, "ru", ["123-45-67"], "[телефон]"),
    ("Его телефон 8 (912) 345 67 89, он знает", PERSON, "ru", ["345 67 89"], "[телефон]"),
    # Phones, international formats.
    ("Call me on +44 20 7946 0958 tomorrow", NONE, "en", ["7946", "0958"], "[phone]"),
    ("Our office is +1 (415) 555-2671 ext. 204 in the afternoon", NONE, "en", ["555-2671", "204"], "[phone]"),
    ("Berlin desk +49 30 1234567 answers in German", NONE, "en", ["1234567"], "[phone]"),
    ("Reach me at (415) 555-2671 before noon", NONE, "en", ["555-2671"], "[phone]"),
    ("Phone 415-555-2671 is the helpdesk", NONE, "en", ["555-2671"], "[phone]"),
    ("Mobile +33 6 12 34 56 78 works too", NONE, "en", ["12 34 56 78"], "[phone]"),
    # E-mail addresses.
    ("Ответ пришлите на ivan.petrov@example.com пожалуйста", NONE, "ru", ["ivan.petrov", "example.com"], "[e-mail]"),
    ("Копия: p.ivanov@romashka.ru и бухгалтерии", PERSON, "ru", ["p.ivanov@romashka.ru"], "[e-mail]"),
    ("Write to jane.whitfield+support@northwind.co.uk for the logs", NONE, "en", ["jane.whitfield", "northwind.co.uk"], "[e-mail]"),
    ("Адрес почта@пример.рф тоже рабочий", NONE, "ru", ["почта@пример.рф"], "[e-mail]"),
    # Names of the requester, with Russian case endings.
    ("Иванов Пётр Сергеевич сообщил о сбое", PERSON, "ru", ["Иванов", "Пётр", "Сергеевич"], "[имя]"),
    ("Передал инструкцию Иванову вчера", PERSON, "ru", ["Иванову"], "[имя]"),
    ("Созвонились с Ивановым по поводу картриджа", PERSON, "ru", ["Ивановым"], "[имя]"),
    ("У Петра снова не печатает принтер", PERSON, "ru", ["Петра"], "[имя]"),
    ("Уважаемый Пётр Сергеевич, проверьте кабель", PERSON, "ru", ["Пётр", "Сергеевич"], "[имя]"),
    ("письмо от иванова пришло ночью", PERSON, "ru", ["иванова"], "[имя]"),
    ("Jane Whitfield reported the outage", ENGLISH, "en", ["Jane", "Whitfield"], "[name]"),
    ("Thanks, Whitfield's team confirmed the fix", ENGLISH, "en", ["Whitfield"], "[name]"),
    # Names of the organisation.
    ("В ООО «Ромашка» не работает сканер", PERSON, "ru", ["Ромашка"], "[организация]"),
    ("Сотрудники Ромашки жалуются на очередь печати", PERSON, "ru", ["Ромашки"], "[организация]"),
    ("Northwind Traders Ltd uses the old driver", ENGLISH, "en", ["Northwind", "Traders"], "[organisation]"),
    # Tokens in URLs: host and path stay.
    ("Ссылка https://portal.example.com/reset?token=abc123XYZ987&lang=ru не открывается", NONE, "ru", ["abc123XYZ987"], "[token]"),
    ("Open https://files.example.com/d/3f9a8c7e2b1d4f6a9e8c7b6a5d4c3b2a/log.zip to download", NONE, "en", ["3f9a8c7e2b1d4f6a9e8c7b6a5d4c3b2a"], "[token]"),
    ("See https://api.example.com/v2/report?id=7&access_token=eyJhbGciOiJIUzI1NiJ9.e30.sig then retry", NONE, "en", ["eyJhbGciOiJIUzI1NiJ9"], "[token]"),
    ("Вход https://admin:Secr3tPass@router.example.com/status для проверки", NONE, "ru", ["admin:", "Secr3tPass"], "[token]"),
    ("Callback https://app.example.com/cb#code=4/0AY0e-g7abc&state=x was rejected", NONE, "en", ["4/0AY0e-g7abc"], "[token]"),
    ("Signed link https://s3.example.com/b/f.pdf?X-Amz-Signature=ab12cd34ef&Expires=1700 expired", NONE, "en", ["ab12cd34ef"], "[token]"),
    # IP addresses: a port or prefix after them stays.
    ("Сервер печати 192.168.1.10 недоступен", NONE, "ru", ["192.168.1.10"], "[IP]"),
    ("Proxy 10.20.30.40:3128 blocks the update", NONE, "en", ["10.20.30.40"], "[IP]"),
    ("Адрес IPv6 2001:db8::8a2e:370:7334 в логе", NONE, "ru", ["2001:db8", "7334"], "[IP]"),
    ("Link-local fe80::1ff:fe23:4567:890a answers ping", NONE, "en", ["fe80::1ff"], "[IP]"),
    # Serial numbers where marked, and the organisation's known serials anywhere.
    ("Принтер S/N: XK7731-22 гудит при старте", NONE, "ru", ["XK7731-22"], "[серийный номер]"),
    ("Серийный номер 1234AB5678 на наклейке снизу", NONE, "ru", ["1234AB5678"], "[серийный номер]"),
    ("Аппарат зав. № 556677 стоит в приёмной", NONE, "ru", ["556677"], "[серийный номер]"),
    ("The unit, Serial number: ABC12345, is under warranty", NONE, "en", ["ABC12345"], "[serial]"),
    ("Label says SN 88231A on the back", NONE, "en", ["88231A"], "[serial]"),
    ("Тот же XK7731 снова выдаёт ошибку", PERSON, "ru", ["XK7731"], "[серийный номер]"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "known", "language", "personal", "placeholder"), CASES)
def test_personal_data_is_gone_and_every_other_word_stays(
    text, known, language, personal, placeholder
):
    scrubbed = scrub(text, known, language)
    for datum in personal:
        assert datum.lower() not in scrubbed.lower(), (datum, scrubbed)
    assert placeholder in scrubbed
    for word in _ordinary_words(text, personal, known):
        assert word in scrubbed, (word, scrubbed)


def test_the_table_is_large_enough():
    assert len(CASES) >= 40


def _ordinary_words(text: str, personal: list[str], known: Known) -> list[str]:
    """The words of `text` that are no part of a personal datum, a URL or a known name."""
    private = " ".join(personal) + " " + " ".join(known.names + known.organisations)
    words = re.findall(r"(?<![\w/@:.])[^\W\d_]{4,}(?![\w/@:.])", re.sub(r"\S+://\S+", "", text))
    return [w for w in words if not _in_private(w, private)]


def _in_private(word: str, private: str) -> bool:
    stem = word.lower().replace("ё", "е")[:4]
    return stem in private.lower().replace("ё", "е")


UNTOUCHED = [
    "Обновление от 27.11.2026 установлено, следующее 2026-11-27 в 10:42:15",
    "Версия 3.2.1 и Windows 10.0.19045 исправляют ошибку",
    "Firmware version 1.2.3.4 fixes the jam; build 2.10.4.1 too",
    "Модель LP-2040 и HP LaserJet M404 печатают с полосами",
    "Цена 12 500 руб., скидка 15%, итого 10 625 руб.",
    "Заявка #10042 и заявка № 10043 закрыты",
    "Ошибка 0x80070005 и код E-202 при запуске",
    "Порт 8080 и порт 443 открыты; таймаут 30 с",
    "Разрешение 1920x1080 при 60 Гц, 4 страницы в минуту",
    "Серийный порт COM3 работает на 9600 бод",
    "Call the helpdesk at extension 12 if the printer stops",
    "Артикул 123-4567, партия 2024/11, размер A4",
    "Обновите драйвер до 5.0.2 и перезагрузите компьютер 2 раза",
    "The quick brown fox; Service Pack 1; ISO 9001:2015",
    "Путь C:\\Program Files\\Spravka\\logs и /var/log/cups/error_log",
    "Время ответа 1:30, окно обслуживания 22:00–06:00 МСК",
    "Ссылка https://docs.example.com/guides/printer-setup-2026?lang=ru&page=3 помогла",
    "Перечень std::vector и a::b в коде не трогаем",
]


@pytest.mark.parametrize("text", UNTOUCHED)
def test_ordinary_text_is_left_exactly_as_it_was(text):
    assert scrub(text, PERSON, "ru") == text


def test_placeholders_follow_the_article_language():
    text = "Call +44 20 7946 0958 or write to a@b.com from 192.168.0.1"
    assert scrub(text, NONE, "en") == "Call [phone] or write to [e-mail] from [IP]"
    assert scrub(text, NONE, "ru") == "Call [телефон] or write to [e-mail] from [IP]"


def test_a_whole_name_becomes_one_placeholder():
    assert scrub("Иванов Пётр Сергеевич просит перезвонить", PERSON) == "[имя] просит перезвонить"
    assert scrub("Пётр Иванов просит", PERSON) == "[имя] просит"


def test_short_or_generic_words_of_a_name_are_not_removed_alone():
    known = Known(names=("Ли Ян",), organisations=("ООО Сервис Групп",))
    text = "Сервис печати и группа поддержки; ли это ошибка?"
    assert scrub(text, known) == text
    assert scrub("Договор с ООО Сервис Групп продлён", known) == "Договор с [организация] продлён"
