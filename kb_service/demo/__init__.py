"""Bundled bilingual demo content: the catalogue, articles, organisations, their equipment and
one user per role.

The catalogue comes the way a real one does: the demo writes a small "company product
database" (an SQLite file standing for the company's ERP, with its own table and column names
and status codes) and a settings file that maps it, and syncs the catalogue from it
(kb_service/catalogue/sync.py). With a data folder they stay there, so
`spravka catalogue sync --source <data>/demo-catalogue.toml` can be tried on them.
"""

import json
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb_service.accounts import service as accounts
from kb_service.articles.models import Article
from kb_service.articles.schemas import ArticleImport
from kb_service.catalogue.equipment import import_equipment
from kb_service.catalogue.schemas import EquipmentImport
from kb_service.catalogue.sources import read_settings
from kb_service.catalogue.sync import sync_catalogue
from kb_service.importing import import_articles, parse_lines

HERE = Path(__file__).parent
CATEGORIES = {
    "troubleshooting": "Устранение неполадок / Troubleshooting",
    "how-to": "Инструкции / How-to",
    "installation": "Установка / Installation",
    "licensing": "Лицензирование / Licensing",
    "networking": "Сети / Networking",
    "release-notes": "Выпуски / Release notes",
    "faq": "Вопросы и ответы / FAQ",
}


@dataclass(frozen=True)
class DemoUser:
    role: str
    email: str
    name: str
    password: str
    organisation: str | None = None


CLIENT_ORG = "ООО «Альфа-Учёт»"
# A model the company no longer sells, merged into its successor: the sync marks it
# discontinued, and its page links to the successor.
RETIRED = {"id": "LP-1020", "name": "Ладога LP-1020", "parent": "PRINT", "versions": ["2.9"],
           "description": "Первая модель серии, снята с производства в 2022 году.",
           "state": "EOL", "successor": "LP-2040"}  # fmt: skip
CATALOGUE_SETTINGS = """\
# The demo's stand-in for the company's product database (see README, Catalogue sync).
url = "sqlite:///{database}"
table = "erp_item"

[columns]
code = "item_no"
name = "title"
parent = "family_no"
versions = "releases"
status = "state"
description = "notes"
merged_into = "successor"   # the code of the product this one was merged into, if it was

[statuses]
A = "active"
EOL = "discontinued"
"""
DEALER_ORG = "Dealer Partner LLC"
USERS = (
    DemoUser("client", "client@demo.spravka", "Анна Клиентова", "demo-client-pass", CLIENT_ORG),
    DemoUser(
        "dispatcher", "dispatcher@demo.spravka", "Дмитрий Диспетчеров", "demo-dispatcher-pass"
    ),
    DemoUser("engineer", "engineer@demo.spravka", "Егор Инженеров", "demo-engineer-pass"),
    DemoUser("editor", "editor@demo.spravka", "Elena Editor", "demo-editor-pass"),
    DemoUser("manager", "manager@demo.spravka", "Мария Менеджерова", "demo-manager-pass"),
    DemoUser("admin", "admin@demo.spravka", "Admin", "demo-admin-pass"),
)


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Article))


def load_demo(session: Session, folder: Path | None = None) -> None:
    """Load the demo into an empty database; the company product database goes to `folder`
    (the data folder), or to a temporary one that is removed afterwards."""
    from kb_service.articles.service import get_or_create_category

    for slug, name in CATEGORIES.items():
        get_or_create_category(session, slug, name)
    if folder is None:
        with tempfile.TemporaryDirectory() as scratch:
            sync_catalogue(session, read_settings(company_database(Path(scratch))))
    else:
        sync_catalogue(session, read_settings(company_database(folder)))
    articles = (HERE / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    # This transaction has written (categories, products): the import must not stage aside.
    import_articles(session, parse_lines(articles, ArticleImport), aside=False)
    client_org = accounts.get_or_create_organisation(session, CLIENT_ORG)
    accounts.add_member(
        session, accounts.get_or_create_group(session, "contract-premium"), org=client_org
    )
    dealer = accounts.get_or_create_organisation(session, DEALER_ORG)
    accounts.add_member(session, accounts.get_or_create_group(session, "dealers"), org=dealer)
    # Their installed base: what entitles the client to the articles for its products' owners.
    equipment = (HERE / "equipment.jsonl").read_text(encoding="utf-8").splitlines()
    import_equipment(session, parse_lines(equipment, EquipmentImport))
    ensure_demo_users(session)


def company_database(folder: Path) -> Path:
    """Write the demo company's product database and the settings file mapping it; the
    settings file's path. Rewritten each time, so it always lists the bundled catalogue."""
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "demo-erp.db"
    database.unlink(missing_ok=True)
    lines = (HERE / "products.jsonl").read_text(encoding="utf-8").splitlines()
    products = [json.loads(line) for line in lines] + [RETIRED]
    with sqlite3.connect(database) as erp:
        erp.execute("CREATE TABLE erp_item (item_no TEXT PRIMARY KEY, title TEXT, family_no TEXT, "
                    "releases TEXT, state TEXT, notes TEXT, successor TEXT)")  # fmt: skip
        erp.executemany(
            "INSERT INTO erp_item VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(p["id"], p["name"], p.get("parent"), ", ".join(p.get("versions", [])),
              p.get("state", "A"), p.get("description", ""), p.get("successor"))
             for p in products],
        )  # fmt: skip
    erp.close()
    settings = folder / "demo-catalogue.toml"
    settings.write_text(CATALOGUE_SETTINGS.format(database=database.resolve()), encoding="utf-8")
    return settings


def ensure_demo_users(session: Session) -> None:
    """One user per role with a known password (only ever with --demo)."""
    for user in USERS:
        if accounts.get_user_by_email(session, user.email) is None:
            accounts.create_user(
                session,
                email=user.email,
                name=user.name,
                password=user.password,
                roles=[user.role],
                organisation=user.organisation,
                locale="en" if user.role in {"editor", "admin"} else "ru",
            )
