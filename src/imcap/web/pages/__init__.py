"""Server-rendered pages: public views, data entry, accounts and admin."""

from __future__ import annotations

from fastapi import FastAPI

from imcap.web.pages import admin, entry, public, scenarios


def install(app: FastAPI) -> None:
    for mod in (public, entry, scenarios, admin):
        app.include_router(mod.router, include_in_schema=False)
