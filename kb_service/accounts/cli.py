"""`spravka user add` and `spravka token create`."""

import sys
from typing import Annotated

import typer

from kb_service.cli_support import database, fail, out
from kb_service.config import Settings
from kb_service.db import session_scope
from kb_service.errors import DomainError

user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
token_app = typer.Typer(help="Manage API bearer tokens.", no_args_is_help=True)


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="E-mail address, the login.")],
    name: Annotated[str, typer.Option(help="Full name.")] = "",
    role: Annotated[list[str], typer.Option(help="Role; repeat for several.")] = ["client"],  # noqa: B006
    organisation: Annotated[str | None, typer.Option(help="Client organisation.")] = None,
    language: Annotated[
        str, typer.Option(help="Language of the portal and e-mails: ru or en.")
    ] = "ru",
    password: Annotated[
        str | None, typer.Option(help="Password; asked for when omitted.", prompt=False)
    ] = None,
) -> None:
    """Add a user with roles; asks for the password unless given."""
    from kb_service.accounts.service import create_user
    from kb_service.audit.service import CLI

    if language not in ("ru", "en"):
        fail(f"unknown language {language!r}; choose ru or en")
    if password is None:
        if not sys.stdin.isatty():
            fail("give --password, or run in a terminal to be asked for it")
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    sessions = database(Settings())
    try:
        with session_scope(sessions) as session:
            user = create_user(
                session,
                email=email,
                name=name,
                password=password,
                roles=role,
                organisation=organisation,
                locale=language,
                actor=CLI,
            )
            out.print(f"added {user.email} ({', '.join(sorted(user.roles))})")
    except DomainError as exc:
        fail(exc.message)


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option("--user", help="E-mail of the token's owner.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "",
) -> None:
    """Issue an API bearer token for a user; it is shown once."""
    from kb_service.accounts.service import create_token, get_user_by_email
    from kb_service.audit.service import CLI

    sessions = database(Settings())
    try:
        with session_scope(sessions) as session:
            owner = get_user_by_email(session, user)
            if owner is None:
                fail(f"no user with e-mail {user}")
            token = create_token(session, owner, name, actor=CLI)
    except DomainError as exc:
        fail(exc.message)
    out.print(token, highlight=False)
