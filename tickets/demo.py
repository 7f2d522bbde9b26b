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
# Beside those a fresh desk has (migration t0002: fault, question, service-request, complaint).
CATEGORIES = (
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
        _play(session, cast, now, story)


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
    fields.setdefault("organisation_id", cast.client.organisation_id)
    ticket = desk.open_ticket(session, desk.NewTicket(subject, body, **fields), now=at)
    if ticket.response_due_at is None and ticket.resolution_due_at is None:
        respond, resolve = FALLBACK_HOURS[ticket.priority]
        ticket.response_due_at = at + timedelta(hours=respond)
        ticket.resolution_due_at = at + timedelta(hours=resolve)
    return ticket


def _client(ticket: Ticket) -> desk.Actor:
    return desk.Actor(ticket.requester_id, frozenset({desk.workflow.REQUESTER}), "client")


def _play(session, cast: Cast, now: datetime, story: dict) -> None:
    """Open the story's ticket and take its steps, each some minutes after the opening."""
    at = now - timedelta(hours=story["hours_ago"])
    fields = dict(story.get("fields", {}))
    if fields.pop("by_dispatcher", False):
        fields["created_by_id"] = cast.dispatcher.user_id
    ticket = _open(session, cast, at, story["subject"], story["body"], **fields)
    for minutes, who, action, args in story.get("steps", ()):
        actor = _client(ticket) if who == "client" else getattr(cast, who)
        STEPS[action](session, cast, actor, ticket, args, at + timedelta(minutes=minutes), now)


STEPS = {
    "classify": lambda s, c, a, t, args, at, now: desk.classify(
        s, a, t, desk.Classification(**args), now=at
    ),
    "assign": lambda s, c, a, t, args, at, now: desk.assign(
        s, a, t, _user(c, args.get("to")), c.groups[args["group"]].id, now=at
    ),
    "take": lambda s, c, a, t, args, at, now: desk.take(s, a, t, now=at),
    "answer": lambda s, c, a, t, args, at, now: desk.answer(
        s, a, t, args["text"], wait=args.get("wait", False), now=at
    ),
    "note": lambda s, c, a, t, args, at, now: desk.note(s, a, t, args["text"], now=at),
    "escalate": lambda s, c, a, t, args, at, now: desk.escalate(
        s, a, t, args["reason"], _user(c, args["to"]), c.groups[args["group"]].id, now=at
    ),
    "escalate_outside": lambda s, c, a, t, args, at, now: desk.escalate_outside(
        s,
        a,
        t,
        c.outside[args["firm"]].id,
        args["reason"],
        args["reference"],
        now + timedelta(days=args["promised_in_days"]),
        now=at,
    ),  # fmt: skip
    "resolve": lambda s, c, a, t, args, at, now: desk.resolve(s, a, t, args["text"], now=at),
    "confirm": lambda s, c, a, t, args, at, now: desk.confirm(s, a, t, now=at),
}


def _user(cast: Cast, who: str | None) -> int | None:
    return getattr(cast, who).user_id if who else None


PHONE_CALLER = {
    "channel": "phone",
    "requester_id": None,
    "requester_email": "i.petrov@alfa-uchet.example",
    "requester_name": "Игорь Петров",
    "requester_phone": "+7 495 123-45-67",
    "priority": "high",
    "by_dispatcher": True,
}
STORIES = (
    {
        "hours_ago": 0.7,
        "subject": "Принтер LP-2040 печатает полосами",
        "body": "После замены картриджа на каждой странице вертикальная серая полоса слева.",
    },
    {
        "hours_ago": 2,
        "subject": "Нет интернета в бухгалтерии",
        "body": "Звонок: с утра у трёх компьютеров бухгалтерии нет интернета, у остальных есть.",
        "fields": PHONE_CALLER,
    },
    {
        "hours_ago": 5,
        "subject": "Ошибка лицензии ACC-PRO после обновления",
        "body": "После обновления до 5.2 программа пишет «Лицензия не найдена» на всех местах.",
        "steps": (
            (
                10,
                "dispatcher",
                "classify",
                {"priority": "high", "category": "licence", "product": "ACC-PRO"},
            ),
            (12, "dispatcher", "assign", {"to": "engineer", "group": "Первая линия"}),
            (30, "engineer", "answer", {"text": "Проверяем ваш ключ, скоро вернёмся с ответом."}),
            (
                35,
                "engineer",
                "note",
                {"text": "Похоже на известную проблему 5.2: не перезапущен сервер лицензий."},
            ),
        ),
    },
    {
        "hours_ago": 24,
        "subject": "Сканер сохраняет пустые страницы",
        "body": "SC-700 сохраняет PDF, но все страницы пустые.",
        "steps": (
            (5, "dispatcher", "classify", {"category": "fault", "product": "SC-700"}),
            (20, "engineer", "take", {}),
            (
                40,
                "engineer",
                "answer",
                {
                    "wait": True,
                    "text": "Пришлите, пожалуйста, версию драйвера и снимок настроек сканирования.",
                },
            ),
        ),
    },
    {
        "hours_ago": 48,
        "subject": "Маршрутизатор RT-500 перезагружается каждый час",
        "body": "С прошлой недели RT-500 сам перезагружается примерно раз в час.",
        "fields": {"priority": "high"},
        "steps": (
            (5, "dispatcher", "classify", {"category": "fault", "product": "RT-500"}),
            (6, "dispatcher", "assign", {"to": "engineer", "group": "Первая линия"}),
            (
                60,
                "engineer",
                "escalate",
                {
                    "to": "network",
                    "group": "Вторая линия",
                    "reason": "Нужен разбор журналов, это к сетевикам.",
                },
            ),
            (
                180,
                "network",
                "note",
                {"text": "В журнале watchdog reset: похоже на дефект прошивки 2.4.1."},
            ),
            (
                240,
                "network",
                "escalate_outside",
                {
                    "firm": 0,
                    "reference": "LS-48213",
                    "promised_in_days": 4,
                    "reason": "Дефект прошивки, нужен патч производителя.",
                },
            ),
            (
                245,
                "network",
                "answer",
                {"text": "Передали производителю, ждём исправленную прошивку."},
            ),
        ),
    },
    {
        "hours_ago": 72,
        "subject": "Как добавить пользователя в ACC-PRO?",
        "body": "Пришёл новый бухгалтер, как дать ему доступ?",
        "fields": {"priority": "low"},
        "steps": (
            (10, "dispatcher", "classify", {"category": "question", "product": "ACC-PRO"}),
            (60, "engineer", "take", {}),
            (
                120,
                "engineer",
                "resolve",
                {"text": "Администрирование → Пользователи → Добавить, роль «Бухгалтер»."},
            ),
        ),
    },
    {
        "hours_ago": 144,
        "subject": "Не печатает по сети",
        "body": "LP-2040 печатает по USB, по сети — нет.",
        "steps": (
            (30, "engineer", "take", {}),
            (
                180,
                "engineer",
                "resolve",
                {"text": "Принтер получил новый адрес по DHCP; закрепили адрес за ним."},
            ),
            (300, "client", "confirm", {}),
        ),
    },
    {
        "hours_ago": 30,
        "subject": "Проектор PJ-400 не видит ноутбук по HDMI",
        "body": "В переговорной проектор пишет «Нет сигнала», совещание завтра.",
        "fields": {"priority": "urgent"},
        "steps": ((120, "dispatcher", "assign", {"group": "Первая линия"}),),
    },
)
