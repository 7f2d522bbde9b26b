"""The desk's demo: support groups of three tiers, categories, outside firms, and a handful of
tickets in every state, worked through tickets.desk so their history and events are real.

Loaded by `spravka serve --demo` after the core's demo (kb_service.demo: users, products).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb_service.accounts import service as accounts
from kb_service.accounts.models import User
from kb_service.db import utcnow
from tickets import desk
from tickets.models import OutsideOrganisation, SupportGroup, Ticket, TicketCategory

CLIENT = "client@demo.spravka"
CLIENT_ORG = "ООО «Альфа-Учёт»"
# Colleagues of the higher tiers, so there is someone to escalate to.
EXPERTS = (
    ("network@demo.spravka", "Ольга Сетевая", "demo-network-pass"),
    ("expert@demo.spravka", "Павел Экспертов", "demo-expert-pass"),
)
GROUPS = (
    ("Первая линия", 1, ("dispatcher@demo.spravka", "engineer@demo.spravka")),
    ("Вторая линия", 2, ("engineer@demo.spravka", "network@demo.spravka")),
    ("Третья линия", 3, ("expert@demo.spravka",)),
)
CATEGORIES = (
    ("fault", "Неисправность", "Fault"),
    ("question", "Вопрос", "Question"),
    ("visit", "Выезд специалиста", "On-site visit"),
    ("licence", "Лицензии", "Licensing"),
)
OUTSIDE = (
    ("Ладога Сервис (производитель)", "manufacturer", "service@ladoga.example"),
    ("НетКом Дистрибуция", "dealer", "support@netcom.example"),
)
# Hours to a first response and to a resolution by priority, used only where no SLA terms
# (tickets.contracts) set the deadlines, so the console's clocks have something to show.
FALLBACK_HOURS = {"low": (24, 120), "normal": (8, 48), "high": (4, 24), "urgent": (1, 8)}


@dataclass
class Cast:
    """The people of the demo, as the desk sees them."""

    client: User
    dispatcher: desk.Actor
    engineer: desk.Actor
    network: desk.Actor
    groups: dict[str, SupportGroup]
    outside: list[OutsideOrganisation]


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Ticket))


def load_desk_demo(session: Session, now: datetime | None = None) -> None:
    """Groups, categories, outside firms and worked tickets, into a desk without tickets."""
    now = now or utcnow()
    cast = _cast(session)
    for slug, name_ru, name_en in CATEGORIES:
        session.add(TicketCategory(slug=slug, name_ru=name_ru, name_en=name_en))
    session.flush()
    for story in STORIES:
        story(session, cast, now)


def _cast(session: Session) -> Cast:
    for email, name, password in EXPERTS:
        if accounts.get_user_by_email(session, email) is None:
            accounts.create_user(
                session, email=email, name=name, password=password, roles=["engineer"]
            )
    groups = {}
    for name, tier, emails in GROUPS:
        members = [accounts.get_user_by_email(session, e) for e in emails]
        groups[name] = SupportGroup(name=name, tier=tier, members=[m for m in members if m])
        session.add(groups[name])
    outside = [OutsideOrganisation(name=n, kind=k, email=e) for n, k, e in OUTSIDE]
    session.add_all(outside)
    session.flush()
    return Cast(
        client=accounts.get_user_by_email(session, CLIENT),
        dispatcher=_staff(session, "dispatcher@demo.spravka"),
        engineer=_staff(session, "engineer@demo.spravka"),
        network=_staff(session, "network@demo.spravka"),
        groups=groups,
        outside=outside,
    )


def _staff(session: Session, email: str) -> desk.Actor:
    user = accounts.get_user_by_email(session, email)
    viewer = accounts.viewer_for(session, user)
    return desk.Actor(user.id, desk.workflow.actors_of(viewer.roles, is_requester=False), "staff")


def _open(session, cast: Cast, at: datetime, subject: str, body: str, **fields) -> Ticket:
    fields.setdefault("requester_id", cast.client.id)
    fields.setdefault("requester_email", cast.client.email)
    fields.setdefault("channel", "portal")
    ticket = desk.open_ticket(session, desk.NewTicket(subject, body, **fields), now=at)
    if ticket.response_due_at is None and ticket.resolution_due_at is None:
        respond, resolve = FALLBACK_HOURS[ticket.priority]
        ticket.response_due_at = at + timedelta(hours=respond)
        ticket.resolution_due_at = at + timedelta(hours=resolve)
    return ticket


def _client(ticket: Ticket) -> desk.Actor:
    return desk.Actor(ticket.requester_id, frozenset({desk.workflow.REQUESTER}), "client")


def _new_from_portal(session, cast: Cast, now: datetime) -> None:
    _open(
        session,
        cast,
        now - timedelta(minutes=40),
        "Принтер LP-2040 печатает полосами",
        "После замены картриджа на каждой странице вертикальная серая полоса слева.",
    )


def _new_by_phone(session, cast: Cast, now: datetime) -> None:
    _open(
        session,
        cast,
        now - timedelta(hours=2),
        "Нет интернета в бухгалтерии",
        "Звонок: с утра у трёх компьютеров бухгалтерии нет доступа в интернет, у остальных есть.",
        channel="phone",
        requester_id=None,
        requester_email="i.petrov@alfa-uchet.example",
        requester_name="Игорь Петров",
        requester_phone="+7 495 123-45-67",
        organisation_id=cast.client.organisation_id,
        priority="high",
        created_by_id=cast.dispatcher.user_id,
    )


def _being_worked(session, cast: Cast, now: datetime) -> None:
    at = now - timedelta(hours=5)
    ticket = _open(
        session,
        cast,
        at,
        "Ошибка лицензии ACC-PRO после обновления",
        "После обновления до 5.2 программа пишет «Лицензия не найдена» на всех местах.",
    )
    c = desk.Classification(priority="high", category="licence", product="ACC-PRO")
    desk.classify(session, cast.dispatcher, ticket, c, now=at + timedelta(minutes=10))
    group = cast.groups["Первая линия"].id
    desk.assign(
        session,
        cast.dispatcher,
        ticket,
        cast.engineer.user_id,
        group,
        now=at + timedelta(minutes=12),
    )
    desk.answer(
        session,
        cast.engineer,
        ticket,
        "Проверяем ваш лицензионный ключ, скоро вернёмся с ответом.",
        now=at + timedelta(minutes=30),
    )
    desk.note(
        session,
        cast.engineer,
        ticket,
        "Похоже на известную проблему 5.2: сервер лицензий не перезапущен после обновления.",
        now=at + timedelta(minutes=35),
    )


def _waiting_on_client(session, cast: Cast, now: datetime) -> None:
    at = now - timedelta(days=1)
    ticket = _open(
        session,
        cast,
        at,
        "Сканер сохраняет пустые страницы",
        "SC-700 сохраняет PDF, но все страницы пустые.",
    )
    desk.classify(
        session,
        cast.dispatcher,
        ticket,
        desk.Classification(category="fault", product="SC-700"),
        now=at + timedelta(minutes=5),
    )
    desk.take(session, cast.engineer, ticket, now=at + timedelta(minutes=20))
    desk.answer(
        session,
        cast.engineer,
        ticket,
        "Пришлите, пожалуйста, версию драйвера и снимок окна настроек сканирования.",
        wait=True,
        now=at + timedelta(minutes=40),
    )


def _escalated_outside(session, cast: Cast, now: datetime) -> None:
    at = now - timedelta(days=2)
    ticket = _open(
        session,
        cast,
        at,
        "Маршрутизатор RT-500 перезагружается каждый час",
        "С прошлой недели RT-500 сам перезагружается примерно раз в час.",
        priority="high",
    )
    desk.classify(
        session,
        cast.dispatcher,
        ticket,
        desk.Classification(category="fault", product="RT-500"),
        now=at + timedelta(minutes=5),
    )
    desk.assign(
        session,
        cast.dispatcher,
        ticket,
        cast.engineer.user_id,
        cast.groups["Первая линия"].id,
        now=at + timedelta(minutes=6),
    )
    desk.escalate(
        session,
        cast.engineer,
        ticket,
        "Нужен разбор журналов, это к сетевикам.",
        to_user_id=cast.network.user_id,
        to_group_id=cast.groups["Вторая линия"].id,
        now=at + timedelta(hours=1),
    )
    desk.note(
        session,
        cast.network,
        ticket,
        "В журнале watchdog reset: похоже на дефект прошивки 2.4.1.",
        now=at + timedelta(hours=3),
    )
    desk.escalate_outside(
        session,
        cast.network,
        ticket,
        cast.outside[0].id,
        "Дефект прошивки, нужен патч производителя.",
        reference="LS-48213",
        promised_at=now + timedelta(days=4),
        now=at + timedelta(hours=4),
    )
    desk.answer(
        session,
        cast.network,
        ticket,
        "Передали производителю, ждём исправленную прошивку.",
        now=at + timedelta(hours=4, minutes=5),
    )


def _resolved(session, cast: Cast, now: datetime) -> None:
    at = now - timedelta(days=3)
    ticket = _open(
        session,
        cast,
        at,
        "Как добавить пользователя в ACC-PRO?",
        "Пришёл новый бухгалтер, как дать ему доступ?",
        priority="low",
    )
    desk.classify(
        session,
        cast.dispatcher,
        ticket,
        desk.Classification(category="question", product="ACC-PRO"),
        now=at + timedelta(minutes=10),
    )
    desk.take(session, cast.engineer, ticket, now=at + timedelta(hours=1))
    desk.resolve(
        session,
        cast.engineer,
        ticket,
        "Администрирование → Пользователи → Добавить, роль «Бухгалтер».",
        now=at + timedelta(hours=2),
    )


def _closed(session, cast: Cast, now: datetime) -> None:
    at = now - timedelta(days=6)
    ticket = _open(
        session, cast, at, "Не печатает по сети", "LP-2040 печатает по USB, по сети — нет."
    )
    desk.take(session, cast.engineer, ticket, now=at + timedelta(minutes=30))
    desk.resolve(
        session,
        cast.engineer,
        ticket,
        "Принтер получил новый адрес по DHCP; закрепили адрес за ним.",
        now=at + timedelta(hours=3),
    )
    desk.confirm(session, _client(ticket), ticket, now=at + timedelta(hours=5))


def _breached(session, cast: Cast, now: datetime) -> None:
    at = now - timedelta(hours=30)
    ticket = _open(
        session,
        cast,
        at,
        "Проектор PJ-400 не видит ноутбук по HDMI",
        "В переговорной проектор пишет «Нет сигнала», совещание завтра.",
        priority="urgent",
    )
    desk.assign(
        session,
        cast.dispatcher,
        ticket,
        None,
        cast.groups["Первая линия"].id,
        now=at + timedelta(hours=2),
    )


STORIES = (
    _new_from_portal,
    _new_by_phone,
    _being_worked,
    _waiting_on_client,
    _escalated_outside,
    _resolved,
    _closed,
    _breached,
)
