"""The web app and REST API of imcap: ``create_app(db, settings)``; ``imcap serve`` runs it."""

from imcap.web.app import create_app
from imcap.web.settings import SETTINGS, Settings

__all__ = ["SETTINGS", "Settings", "create_app"]
