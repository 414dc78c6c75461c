"""`bedflow db`: apply the migrations and fill a demo data set."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from bedflow import dsl
from bedflow._exceptions import BedflowError
from bedflow.cli._app import app, err, out

db_app = typer.Typer(
    name="db", help="Manage the database: apply migrations, fill demo data.", no_args_is_help=True
)
app.add_typer(db_app)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        metavar="URL",
        help="Database to use; default: DATABASE_URL / BEDFLOW_DATABASE_URL, else the SQLite "
        "file in the data directory.",
    ),
]


def _url(database_url: str | None) -> str:
    if database_url:
        return database_url
    from bedflow.settings import get_settings

    try:
        return get_settings().database_url
    except BedflowError as exc:
        err.print(f"[bold red]error[/]: {exc}")
        raise typer.Exit(1) from exc


@db_app.command("upgrade")
def upgrade_(database_url: DatabaseUrl = None) -> None:
    """Apply the database migrations (creates the tables on a new database)."""
    from bedflow.db import upgrade

    try:
        upgrade(_url(database_url))
    except BedflowError as exc:
        err.print(f"[bold red]error[/]: {exc}")
        raise typer.Exit(1) from exc
    out.print("database is up to date")


@db_app.command()
def seed(
    database_url: DatabaseUrl = None,
    examples: Annotated[
        Path,
        typer.Option(
            file_okay=False, metavar="DIR", help="Folder whose .bed files become demo beds."
        ),
    ] = Path("examples"),
    alice_password: Annotated[
        str | None, typer.Option(help="Password of alice@example.com; default: a random one.")
    ] = None,
    bob_password: Annotated[
        str | None, typer.Option(help="Password of bob@example.com; default: a random one.")
    ] = None,
) -> None:
    """Fill a demo data set: users alice and bob, a shared project, beds from the examples."""
    from bedflow.db import Bed, Project, crud, make_engine, make_sessionmaker, upgrade

    url = _url(database_url)
    upgrade(url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            users = {}
            for name, password in (("alice", alice_password), ("bob", bob_password)):
                email = f"{name}@example.com"
                user = crud.get_user_by_email(session, email=email)
                if user is None:
                    password = password or secrets.token_urlsafe(12)
                    user = crud.create_user(
                        session, email=email, password=password, full_name=name.title()
                    )
                    out.print(f"user {email}  password {password}")
                else:
                    out.print(f"user {email} exists already (password unchanged)")
                users[name] = user
            alice, bob = users["alice"], users["bob"]
            project = session.scalar(
                select(Project).where(Project.owner_id == alice.id, Project.name == "demo")
            )
            if project is None:
                project = crud.create_project(
                    session, owner=alice, name="demo", description="Example beds, shared with bob."
                )
            crud.add_member(session, project=project, user=bob, role="viewer")
            added = 0
            for path in sorted(examples.glob("*.bed")):
                spec = dsl.load(path)
                known = session.scalar(
                    select(Bed.id).where(
                        Bed.owner_id == alice.id, Bed.spec_hash == dsl.spec_hash(spec)
                    )
                )
                if known is None:
                    crud.create_bed(session, owner=alice, spec=spec, project_id=project.id)
                    added += 1
            out.print(f"project demo (alice, shared with bob): {added} new beds from {examples}")
    except BedflowError as exc:
        err.print(f"[bold red]error[/]: {exc}")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
