"""Bundled bilingual demo content: the catalogue, articles, organisations and one user per role."""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb_service.accounts import service as accounts
from kb_service.articles.models import Article
from kb_service.articles.schemas import ArticleImport
from kb_service.catalogue.schemas import ProductImport
from kb_service.importing import import_articles, import_products, parse_lines

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
# The demo client's office: a printer, a router and the accounting suite with its licences.
CLIENT_PRODUCTS = ("LP-2040", "RT-500", "ACC-PRO", "ACC-LIC")
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


def load_demo(session: Session) -> None:
    """Load the demo catalogue, articles, organisations and users into an empty database."""
    from kb_service.articles.service import get_or_create_category

    for slug, name in CATEGORIES.items():
        get_or_create_category(session, slug, name)
    products = (HERE / "products.jsonl").read_text(encoding="utf-8").splitlines()
    import_products(session, parse_lines(products, ProductImport))
    articles = (HERE / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    # This transaction has written (categories, products): the import must not stage aside.
    import_articles(session, parse_lines(articles, ArticleImport), aside=False)
    client_org = accounts.get_or_create_organisation(session, CLIENT_ORG)
    accounts.give_products(session, client_org, list(CLIENT_PRODUCTS))
    accounts.add_member(
        session, accounts.get_or_create_group(session, "contract-premium"), org=client_org
    )
    dealer = accounts.get_or_create_organisation(session, DEALER_ORG)
    accounts.add_member(session, accounts.get_or_create_group(session, "dealers"), org=dealer)
    ensure_demo_users(session)


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
