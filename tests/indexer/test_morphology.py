"""A query finds its article whatever the word forms (case, number, tense, ё/е)."""

import pytest
from indexer_builders import make_doc

from indexer.index import SearchIndex
from indexer.search import search

RUSSIAN = [
    ("принтер не печатает", "Принтер перестал печатать", "Принтеры иногда перестают печатать."),
    ("сбросить пароли", "Сброс пароля", "Сбросить пароль можно в профиле."),
    ("проекторы", "Проектор не включается", "Проектор не включается после перевозки."),
    ("настройки почтового клиента", "Настройка почтовых клиентов", "Почтовый клиент настраивают."),
    ("ошибки обновления", "Ошибка при обновлении", "Обновление завершается ошибкой."),
    ("сканер не сканирует", "Сканеры перестали сканировать", "Сканирование прерывается."),
    ("подключить монитора", "Подключение мониторов", "Мониторы подключаются кабелем."),
    ("удаленного рабочего стола", "Удалённый рабочий стол", "Удалённые рабочие столы."),
    ("елки", "Ёлка на рабочем столе", "Заставка с ёлкой."),
    ("зеленый экран", "Зелёные экраны", "Экран становится зелёным."),
    ("установка драйвера", "Установить драйверы", "Драйверы устанавливаются вручную."),
    ("резервной копии", "Резервные копии", "Резервная копия создаётся ночью."),
    ("клавиатуры", "Клавиатура не работает", "Клавиатуру нужно переподключить."),
    ("мышью", "Мышь двигается рывками", "Мышь и коврик."),
    ("медленного интернета", "Медленный интернет", "Интернет медленно работает."),
    ("учетной записи", "Учётные записи", "Учётная запись блокируется."),
    ("заблокирована учетная запись", "Учётную запись заблокировали", "Блокировка записей."),
    ("бумагу зажевало", "Замятие бумаги", "Бумага зажёвывается в лотке."),
    ("картриджей", "Замена картриджа", "Картридж меняют так."),
    ("сертификаты", "Сертификат истёк", "Истёкший сертификат надо обновить."),
    ("телефона", "Телефоны не звонят", "Телефон не звонит."),
    ("гарнитуры", "Гарнитура не подключается", "Гарнитуру проверьте в настройках звука."),
    ("микрофоном", "Микрофон не слышно", "Микрофоны отключены."),
    ("камеры", "Камера не видна", "Камеру нужно разрешить."),
    ("отчетов", "Отчёт не формируется", "Отчёты строятся ночью."),
    ("счета", "Счёт не выставлен", "Счета выставляются ежемесячно."),
    ("оплаты", "Оплата не прошла", "Оплату можно повторить."),
    ("доставки", "Доставка задерживается", "Доставку отслеживают по номеру."),
    ("договоры", "Договор не подписан", "Договора подписываются электронно."),
    ("лицензию", "Лицензия истекла", "Лицензии продлеваются."),
    ("серверы", "Сервер недоступен", "Сервера перезагружаются."),
    ("базы данных", "База данных переполнена", "Базу данных чистят."),
    ("архивов", "Архив не распаковывается", "Архивы повреждены."),
    ("файлы пропали", "Пропал файл", "Файлы пропадают после синхронизации."),
    ("папки", "Папка не открывается", "Папку открывают через проводник."),
    ("ярлыков", "Ярлык не запускается", "Ярлыки ведут на удалённый путь."),
    ("шрифты", "Шрифт отображается квадратами", "Шрифтов не хватает."),
    ("таблицы", "Таблица не сохраняется", "Таблицу сохраняют в другом формате."),
    ("презентациями", "Презентация не открывается", "Презентации большого размера."),
    ("уведомлений", "Уведомления не приходят", "Уведомление пришло с задержкой."),
    ("батареи", "Батарея быстро разряжается", "Батарею стоит откалибровать."),
    ("зарядкой", "Зарядка не идёт", "Зарядки бывают неоригинальные."),
]

ENGLISH = [
    ("printers", "Printer offline", "The printer shows offline."),
    ("printing stopped", "Printer stopped print jobs", "Print jobs stop when the printer sleeps."),
    ("reset passwords", "Resetting a password", "Passwords are reset in the profile."),
    ("projectors", "Projector does not turn on", "The projector stays dark."),
    ("updates failed", "Update fails", "An update failing leaves a log."),
    ("scanning", "Scanner scans blank pages", "Scans are blank."),
    ("connected monitors", "Connecting a monitor", "Monitors connect by cable."),
    ("installing drivers", "Install the driver", "Drivers install manually."),
    ("backups", "Backup schedule", "A backup runs nightly."),
    ("keyboards", "Keyboard not working", "Reconnect the keyboard."),
    ("locked accounts", "Account lock", "An account locks after retries."),
    ("expired certificates", "Certificate expiry", "A certificate expires yearly."),
    ("headsets", "Headset not detected", "Check the headset in sound settings."),
    ("invoices", "Invoice missing", "Each invoice is sent monthly."),
    ("licenses", "License expired", "Renew the license."),
    ("servers", "Server unreachable", "The server rebooted."),
    ("archives", "Archive will not extract", "The archive is corrupt."),
    ("folders", "Folder will not open", "Open the folder from the explorer."),
    ("fonts", "Font shows squares", "The font is missing."),
    ("notifications", "Notification delayed", "A notification arrives late."),
    ("batteries", "Battery drains quickly", "Calibrate the battery."),
    ("charging", "Charger does not charge", "Non-original chargers charge slowly."),
]

ALL = [("ru", *row) for row in RUSSIAN] + [("en", *row) for row in ENGLISH]


@pytest.fixture(scope="module")
def table_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    index = SearchIndex(tmp_path_factory.mktemp("morphology") / "index")
    docs = [
        make_doc(f"{language}-{i}", title, body, language=language)
        for i, (language, _query, title, body) in enumerate(ALL)
    ]
    index.apply(docs, position=1)
    index.refresh()
    yield index
    index.close()


def test_table_is_large_enough() -> None:
    assert len(RUSSIAN) >= 40 and len(ENGLISH) >= 20


@pytest.mark.parametrize(
    ("number", "query", "title"),
    [(i, query, title) for i, (_language, query, title, _body) in enumerate(ALL)],
    ids=[query for _language, query, _title, _body in ALL],
)
def test_query_finds_article_in_other_word_forms(
    table_index: SearchIndex, number: int, query: str, title: str
) -> None:
    language = ALL[number][0]
    hits = search(table_index, query, groups=frozenset({"public"}), limit=3).hits
    assert f"{language}-{number}" in [hit.id for hit in hits], (query, title)
