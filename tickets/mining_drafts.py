"""What a mined topic proposes: a title, a language and a draft article in Markdown.

The title is the subject of the ticket nearest the group's centre (the most typical way the
problem is put); the draft gives that ticket's problem and the best solutions of the group:
first the resolution most like the others (what the desk agrees on), then up to two that
differ from it.
"""

from collections import Counter, defaultdict

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_service.accounts.models import Organisation
from tickets.mining_models import MinedTicket, MinedTopic
from tickets.mining_space import Space, language, problem_text
from tickets.models import Ticket, TicketMessage
from tickets.scrub import Known, scrub

# Tickets nearest the centre that a draft is built from; the rest only count.
EVIDENCE = 20
OTHER_SOLUTIONS = 2
# Solutions this similar to one already in the draft add nothing.
SAME_SOLUTION = 0.8
PROBLEM_CHARS = 800

HEADINGS = {
    "en": ("Problem", "Solution", "Other solutions that worked", "Based on {n} tickets."),
    "ru": ("Проблема", "Решение", "Другие решения, которые помогли", "По {n} заявкам."),
}


def refresh_topics(
    session: Session, space: Space, topics: set[int], vectors: dict[int, np.ndarray]
) -> None:
    """Recompute size, language, title and draft of these open topics."""
    members: dict[int, list[int]] = defaultdict(list)
    for chunk in chunks(sorted(topics)):
        query = select(MinedTicket.topic_id, MinedTicket.ticket_id).where(
            MinedTicket.topic_id.in_(chunk)
        )
        for topic, ticket in session.execute(query):
            members[topic].append(ticket)
    nearest = {topic: _nearest(tickets, vectors) for topic, tickets in members.items()}
    wanted = [t for tickets in nearest.values() for t in tickets]
    problems, solutions = _scrubbed(session, wanted)
    rows = {}
    for chunk in chunks(sorted(nearest)):
        rows |= {
            t.id: t for t in session.scalars(select(MinedTopic).where(MinedTopic.id.in_(chunk)))
        }
    texts = {
        topic: list(dict.fromkeys(s for t in tickets if (s := solutions.get(t, "").strip())))
        for topic, tickets in nearest.items()
    }
    # One embedding call for every solution: per topic, its fixed cost would dominate.
    flat = [text for group in texts.values() for text in group]
    embedded = iter(space.transform(flat) if flat else [])
    for topic_id, tickets in nearest.items():
        topic = rows[topic_id]
        topic.size = len(members[topic_id])
        topic.language = Counter(language(problems[t][1]) for t in tickets).most_common(1)[0][0]
        subject, problem = problems[tickets[0]]
        matrix = np.array([next(embedded) for _ in texts[topic_id]])
        topic.title, topic.draft = propose(
            topic.language, subject, problem, _best(texts[topic_id], matrix), topic.size
        )


def propose(
    lang: str, subject: str, problem: str, solutions: list[str], size: int
) -> tuple[str, str]:
    """The proposed title and article (Markdown), from texts already scrubbed."""
    problem_h, solution_h, others_h, based_on = HEADINGS.get(lang, HEADINGS["en"])
    quoted = "\n".join(f"> {line}" for line in problem[:PROBLEM_CHARS].splitlines())
    parts = [f"## {problem_h}\n\n{quoted}"]
    if solutions:
        parts.append(f"## {solution_h}\n\n{solutions[0]}")
    if len(solutions) > 1:
        others = "\n".join(f"- {' '.join(s.split())}" for s in solutions[1:])
        parts.append(f"## {others_h}\n\n{others}")
    parts.append(f"_{based_on.format(n=size)}_")
    return subject[:300], "\n\n".join(parts)


def _nearest(tickets: list[int], vectors: dict[int, np.ndarray]) -> list[int]:
    """The tickets nearest the group's centre, nearest first."""
    matrix = np.stack([vectors[t] for t in tickets])
    closeness = matrix @ matrix.mean(axis=0)
    order = np.argsort(-closeness, kind="stable")[:EVIDENCE]
    return [tickets[i] for i in order]


def _best(texts: list[str], matrix: np.ndarray) -> list[str]:
    """The solution most like the others, then up to OTHER_SOLUTIONS that differ from it;
    `matrix` holds the texts' unit vectors."""
    if len(texts) < 2:
        return texts
    similarity = matrix @ matrix.T
    # Agreement first; a longer text wins a tie, it usually says more of how.
    score = similarity.sum(axis=1) + 1e-6 * np.array([len(t) for t in texts])
    chosen = [int(np.argmax(score))]
    for i in np.argsort(-score).tolist():
        if len(chosen) > OTHER_SOLUTIONS:  # the first and the others
            break
        if all(similarity[i, j] < SAME_SOLUTION for j in chosen):
            chosen.append(i)
    return [texts[i] for i in chosen]


def _scrubbed(session: Session, tickets: list[int]) -> tuple[dict, dict]:
    """The problems and solutions of the tickets without the personal data in them
    (tickets/scrub.py): an editor reads the proposal, and a client may read the article."""
    known = _known(session, tickets)
    problems = {
        t: (
            scrub(subject, known[t], language(problem)),
            scrub(problem, known[t], language(problem)),
        )
        for t, (subject, problem) in _problems(session, tickets).items()
    }
    solutions = {
        t: scrub(text, known[t], language(text)) for t, text in _solutions(session, tickets).items()
    }
    return problems, solutions


def _known(session: Session, tickets: list[int]) -> dict[int, Known]:
    """What each ticket's own record says about its people (names, address, phone, firm)."""
    out = {}
    for chunk in chunks(tickets):
        query = (
            select(Ticket.id, Ticket.requester_name, Ticket.requester_email,
                   Ticket.requester_phone, Organisation.name)
            .outerjoin(Organisation, Organisation.id == Ticket.organisation_id)
            .where(Ticket.id.in_(chunk))
        )  # fmt: skip
        for ticket, name, email, phone, organisation in session.execute(query):
            out[ticket] = Known(
                names=(name,) if name else (),
                organisations=(organisation,) if organisation else (),
                emails=(email,) if email else (),
                phones=(phone,) if phone else (),
            )
    return out


def _problems(session: Session, tickets: list[int]) -> dict[int, tuple[str, str]]:
    """Ticket -> (subject, problem text)."""
    out = {}
    for chunk in chunks(tickets):
        query = select(Ticket.id, Ticket.subject, Ticket.body).where(Ticket.id.in_(chunk))
        rows = session.execute(query)
        out |= {i: (subject, problem_text(subject, body)) for i, subject, body in rows}
    return out


def _solutions(session: Session, tickets: list[int]) -> dict[int, str]:
    """Ticket -> its last resolution the client was sent (internal notes stay out)."""
    out = {}
    for chunk in chunks(tickets):
        query = (
            select(TicketMessage.ticket_id, TicketMessage.body)
            .where(
                TicketMessage.ticket_id.in_(chunk),
                TicketMessage.is_resolution.is_(True),
                TicketMessage.is_internal.is_(False),
            )
            .order_by(TicketMessage.id)
        )
        out |= dict(session.execute(query).all())
    return out


def chunks(values: list, size: int = 5_000):
    """Slices short enough for one IN (...) on every engine."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
