"""``imcap serve``, ``imcap users add|role|token|revoke|list`` and ``imcap report country``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from imcap.cli.common import DbOption, FormatOption, console, emit, open_db
from imcap.errors import ParameterError

app = typer.Typer(help="Web app, accounts and reports.")
users = typer.Typer(help="Accounts: add users, change roles and scopes, issue and revoke "
                         "API tokens.", no_args_is_help=True)
report = typer.Typer(help="Country profile reports (HTML or PDF).", no_args_is_help=True)
app.add_typer(users, name="users")
app.add_typer(report, name="report")

CountriesOpt = Annotated[str | None, typer.Option(
    "--countries", help="Comma-separated ISO3 codes a country data manager may write.")]
FacilitiesOpt = Annotated[str | None, typer.Option(
    "--facilities", help="Comma-separated facility ids a facility editor may write.")]


def _split(text: str | None) -> list[str] | None:
    return None if text is None else [x.strip() for x in text.split(",") if x.strip()]


def _ids(text: str | None) -> list[int] | None:
    parts = _split(text)
    if parts is None:
        return None
    try:
        return [int(x) for x in parts]
    except ValueError:
        raise ParameterError("bad facility ids", expected="comma-separated whole numbers",
                             got=text, where="--facilities") from None


def check_port_free(host: str, port: int) -> None:
    """Bind ``host:port`` once (as uvicorn will, with SO_REUSEADDR) so that a port in use is a
    clear user error before the server starts, not a bind traceback after its banner."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OverflowError):
        raise ParameterError("cannot resolve the host to listen on",
                             expected="an interface address or name such as 127.0.0.1",
                             got=host, where="--host") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise ParameterError(f"port {port} is in use; choose another with --port",
                                     expected="a free TCP port", got=port,
                                     where="--port") from None
            raise ParameterError(f"cannot listen on {host}:{port} ({e.strerror})",
                                 expected="an address and port this user may listen on",
                                 got=f"{host}:{port}", where="--host/--port") from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    db: DbOption = None,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL for > 1).")] = 1,
) -> None:
    """Serve the web app and the REST API (works offline)."""
    import uvicorn

    from imcap.web import create_app

    check_port_free(host, port)
    app_ = create_app(open_db(db))
    console.print(f"imcap on http://{host}:{port}/ (API docs at /api/docs)")
    uvicorn.run(app_, host=host, port=port, workers=workers, log_level="warning")


@users.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help="admin | country_manager | facility_editor | "
                                           "analyst | public")] = "analyst",
    password: Annotated[str | None, typer.Option(
        help="Password (8+ characters); asked for when missing.")] = None,
    countries: CountriesOpt = None,
    facilities: FacilitiesOpt = None,
    db: DbOption = None,
) -> None:
    """Add a user with a role and, for managers and editors, a scope."""
    from imcap.web.auth import accounts

    pw = password or typer.prompt("password", hide_input=True, confirmation_prompt=True)
    d = open_db(db)
    with d.session() as s:
        u = accounts.create_user(s, username, pw, role, actor="cli", countries=_split(countries),
                                 facilities=_ids(facilities), via="cli")
        info = accounts.user_dict(s, u)
    console.print(f"added {info['username']} ({info['role']})")


@users.command("role")
def users_role(
    username: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str | None, typer.Option(help="New role.")] = None,
    countries: CountriesOpt = None,
    facilities: FacilitiesOpt = None,
    active: Annotated[bool | None, typer.Option("--active/--disabled",
                                                help="Enable or disable the account.")] = None,
    db: DbOption = None,
) -> None:
    """Change a user's role, scope, or whether the account is active."""
    from imcap.web.auth import accounts

    d = open_db(db)
    with d.session() as s:
        u = accounts.user_by_name(s, username)
        accounts.update_user(s, u, actor="cli", role=role, countries=_split(countries),
                             facilities=_ids(facilities), active=active, via="cli")
        info = accounts.user_dict(s, u)
    console.print(f"{info['username']}: {info['role']}, countries {info['countries']}, "
                  f"facilities {info['facilities']}, active {info['active']}")


@users.command("token")
def users_token(
    username: Annotated[str, typer.Argument(help="User name.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "script",
    db: DbOption = None,
) -> None:
    """Issue an API token (printed once; send it as 'Authorization: Bearer TOKEN')."""
    from imcap.web.auth import accounts

    d = open_db(db)
    with d.session() as s:
        u = accounts.user_by_name(s, username)
        t, secret = accounts.issue_token(s, u, name, actor="cli", via="cli")
        tid = t.id
    console.print(f"token {tid} for {username}:")
    typer.echo(secret)


@users.command("revoke")
def users_revoke(token_id: Annotated[int, typer.Argument(help="Token id.")],
                 db: DbOption = None) -> None:
    """Revoke an API token."""
    from imcap.web.auth import accounts

    d = open_db(db)
    with d.session() as s:
        accounts.revoke_token(s, token_id, actor="cli", via="cli")
    console.print(f"token {token_id} revoked")


@users.command("list")
def users_list(db: DbOption = None, fmt: FormatOption = "table") -> None:
    """List users with their roles and scopes."""
    from imcap.store.accounts import UserAccount
    from imcap.web.auth import accounts

    d = open_db(db)
    with d.session() as s:
        rows = [accounts.user_dict(s, u) for u in s.scalars(select(UserAccount)
                                                             .order_by(UserAccount.id))]
    for r in rows:
        r["countries"] = ",".join(r["countries"])
        r["facilities"] = ",".join(map(str, r["facilities"]))
    emit(rows, fmt, title="users")


@report.command("country")
def report_country(
    iso3: Annotated[str, typer.Argument(help="ISO3 code of the country, e.g. KEN.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="html or pdf.")] = "pdf",
    out: Annotated[Path | None, typer.Option("--out", help="Output file.")] = None,
    year: Annotated[int | None, typer.Option(help="Reference year (default latest).")] = None,
    db: DbOption = None,
) -> None:
    """Write a country's imaging capacity profile (charts, map, sources) as HTML or PDF."""
    from imcap.reports.country import write_report

    if fmt not in ("html", "pdf"):
        raise ParameterError("unknown report format", expected="html or pdf", got=fmt,
                             where="--format")
    path = write_report(open_db(db), iso3, fmt, out or Path(f"profile-{iso3.upper()}.{fmt}"),
                        year)
    console.print(f"wrote {path}")
