"""HTTP API of a ticket's ties to the knowledge base: suggested and linked articles, flags,
the draft article written from a solved ticket, and standard answers filled for the ticket.

Included by tickets/api.py ahead of its `/tickets/{number}/{action}` route, which would
otherwise take `/tickets/{number}/article` for an action.
"""

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from kb_service.accounts.models import User
from kb_service.deps import ArticleLinks, ArticleLinksDep, SearchDep, SessionDep, ViewerDep
from kb_service.errors import Forbidden, Invalid, Unauthorized
from kb_service.search.service import Hit
from tickets import conversion, desk, linking, standard_answers
from tickets.schemas import (
    ArticleHitOut,
    ArticleLinkIn,
    ArticleLinkOut,
    DraftOut,
    StandardAnswerOut,
    TicketArticlesOut,
)

router = APIRouter(tags=["tickets"])

Number = Annotated[str, Path(max_length=32, description='The ticket\'s number, e.g. "10042".')]
ArticleId = Annotated[str, Path(max_length=100)]


@router.get("/tickets/{number}/articles", response_model=TicketArticlesOut)
def ticket_articles(
    number: Number,
    session: SessionDep,
    viewer: ViewerDep,
    search: SearchDep,
    links: ArticleLinksDep,
):
    """The ticket's linked articles the caller may read; staff also get matching articles.
    A client sees only the articles that solved their ticket, once it is solved."""
    ticket = _ticket(session, viewer, number)
    if not viewer.is_staff:
        shown = [
            link
            for link in linking.links(session, viewer, ticket)
            if link.relation == linking.USED and ticket.status in ("resolved", "closed")
        ]
        return TicketArticlesOut(links=[_link(links, link) for link in shown], suggestions=[])
    return TicketArticlesOut(
        links=[_link(links, link) for link in linking.links(session, viewer, ticket)],
        suggestions=[_hit(links, hit) for hit in linking.suggest(search, viewer, ticket)],
    )


@router.post(
    "/tickets/{number}/articles", response_model=ArticleLinkOut, status_code=status.HTTP_201_CREATED
)
def link_article(
    number: Number,
    data: ArticleLinkIn,
    session: SessionDep,
    viewer: ViewerDep,
    links: ArticleLinksDep,
):
    """Staff: the article solved the ticket (`used`), or is wrong or outdated (`flagged`,
    with `reason` and `comment`). Only articles the caller may read can be linked."""
    ticket = _ticket(session, viewer, number)
    if data.relation == linking.FLAGGED:
        if data.reason is None:
            raise Invalid(
                "say why: wrong or outdated", errors=[{"where": "reason", "message": "required"}]
            )
        linking.flag(session, viewer, ticket, data.article_id, data.reason, data.comment)
    else:
        linking.link(session, viewer, ticket, data.article_id)
    shown = linking.links(session, viewer, ticket)
    return _link(
        links,
        next(k for k in shown if (k.article.id, k.relation) == (data.article_id, data.relation)),
    )


@router.delete("/tickets/{number}/articles/{article_id}", status_code=status.HTTP_204_NO_CONTENT)
def unlink_article(number: Number, article_id: ArticleId, session: SessionDep, viewer: ViewerDep):
    """Staff: take back a `used` link made by mistake."""
    linking.unlink(session, viewer, _ticket(session, viewer, number), article_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/tickets/{number}/article", response_model=DraftOut, status_code=status.HTTP_201_CREATED
)
def create_article(number: Number, session: SessionDep, viewer: ViewerDep):
    """Engineers, editors, managers, admins: a draft article from the solved ticket, scrubbed
    of personal data, internal until an editor publishes it; the ticket records it."""
    article = conversion.draft_from_ticket(session, viewer, _ticket(session, viewer, number))
    return DraftOut(
        article_id=article.id,
        title=article.title,
        language=article.language,
        status=article.status,
        groups=article.group_names,
        products=sorted(p.code for p in article.products),
        category=article.category.slug if article.category else None,
        body=article.body_md,
        url=f"/api/v1/articles/{article.id}",
    )


@router.get("/tickets/{number}/standard-answers/{article_id}", response_model=StandardAnswerOut)
def standard_answer(number: Number, article_id: ArticleId, session: SessionDep, viewer: ViewerDep):
    """Staff: a standard answer with this ticket's fields filled in, to send as a reply."""
    ticket = _ticket(session, viewer, number)
    if not viewer.is_staff:
        raise Forbidden("standard answers are for the desk's staff")
    engineer = session.get(User, viewer.user_id)
    article, text = standard_answers.answer_for(session, viewer, ticket, article_id, engineer.name)
    return StandardAnswerOut(article_id=article.id, title=article.title, text=text)


def _ticket(session, viewer, number: str):
    if viewer.user_id is None:
        raise Unauthorized("sign in or send a bearer token to use tickets")
    return desk.get(session, viewer, number)


def _link(links: ArticleLinks, link: linking.Link) -> ArticleLinkOut:
    return ArticleLinkOut(
        article_id=link.article.id,
        title=link.article.title,
        relation=link.relation,
        reason=link.reason,
        comment=link.comment,
        url=links(link.article.id),
        created_at=link.created_at,
    )


def _hit(links: ArticleLinks, hit: Hit) -> ArticleHitOut:
    return ArticleHitOut(
        article_id=hit.id, title=hit.title, snippet=hit.snippet.text, url=links(hit.id)
    )
