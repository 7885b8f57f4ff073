"""``imcap`` entry point. ``main(argv, environ)`` runs the CLI in-process and returns the exit
code: 0 ok, 1 user error (message, no traceback), 2 bug (traceback)."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from importlib import import_module

import typer

from imcap.cli.common import err_console
from imcap.errors import UserError

app = typer.Typer(
    name="imcap",
    help="imcap: medical imaging capacity (registry, indicators, access, siting, plans, impact).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Sub-command groups: (module under imcap.cli, command name). Each module exposes ``app``.
GROUPS: tuple[tuple[str, str], ...] = (
    ("registry", ""),  # init, history
    ("ingest", "import"),  # import gho|oecd|table|facilities|inventory
    ("exchange", ""),  # survey template, export
    ("indicators", ""),  # indicators, benchmark, demo
    ("access", "access"),
    ("site", ""),  # site (one command)
    ("plan", "plan"),
    ("impact", "impact"),
    ("web", ""),  # serve, users, report
)


def _register() -> None:
    for module, name in GROUPS:
        try:
            mod = import_module(f"imcap.cli.{module}")
        except ModuleNotFoundError as e:
            if e.name == f"imcap.cli.{module}":
                continue  # capability not installed in this build
            raise
        sub = mod.app
        if name:
            app.add_typer(sub, name=name)
        else:
            for cmd in sub.registered_commands:
                app.registered_commands.append(cmd)
            for grp in sub.registered_groups:
                app.registered_groups.append(grp)


_register()


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the CLI with ``argv`` (without the program name) and extra ``environ`` values."""
    saved = dict(os.environ)
    if environ:
        os.environ.update(environ)
    try:
        cmd = typer.main.get_command(app)
        try:
            cmd.main(
                args=list(argv) if argv is not None else None,
                prog_name="imcap",
                standalone_mode=False,
            )
        except typer.Abort:
            err_console.print("aborted")
            return 1
        except typer.Exit as e:
            return int(getattr(e, "exit_code", 0) or 0)
        except typer.TyperException as e:  # usage errors: bad option, unknown command
            show = getattr(e, "show", None)
            if callable(show):
                show()
            else:
                err_console.print(str(e), markup=False)
            return 1
        except UserError as e:
            err_console.print("error:", style="bold red", end=" ")
            err_console.print(str(e), markup=False, soft_wrap=True)
            return 1
        except SystemExit as e:
            return int(e.code or 0) if not isinstance(e.code, str) else 1
        except Exception:  # a bug: show the traceback, exit 2
            err_console.print("[bold red]internal error (a bug in imcap), please report it:[/]")
            traceback.print_exc()
            return 2
        return 0
    finally:
        if environ:
            os.environ.clear()
            os.environ.update(saved)


def run() -> None:
    sys.exit(main(sys.argv[1:]))


if __name__ == "__main__":
    run()
