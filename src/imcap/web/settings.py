"""Settings of the web app, declared once: name, default, help.

Each setting is read from the environment variable ``IMCAP_<NAME upper-case>`` unless given
to :func:`imcap.web.create_app`. ``docs/web.md`` documents every one (a test checks it).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from typing import Any

from imcap.errors import ParameterError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "IMCAP_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("public_access", True,
            "Let visitors who are not signed in read published figures (countries, "
            "indicators, benchmarks, country profiles)."),
    Setting("secret_key", "",
            "Key that signs CSRF tokens. Empty: a random key per process (forms then expire "
            "on restart). Set it when several workers serve one site."),
    Setting("secure_cookies", False,
            "Always mark cookies Secure. They are marked Secure anyway when the request came "
            "over TLS (https, or X-Forwarded-Proto: https from a trusted proxy)."),
    Setting("session_hours", 12, "Lifetime of a browser session, in hours."),
    Setting("login_free_attempts", 5,
            "Failed sign-ins allowed (per user name, in 15 minutes) before each further "
            "attempt must wait; the wait doubles with every failure, up to 15 minutes."),
    Setting("argon2_time_cost", 3, "argon2id time cost (iterations) for password hashes."),
    Setting("argon2_memory_kib", 65536, "argon2id memory cost in KiB for password hashes."),
    Setting("max_upload_mb", 20, "Largest file accepted by the upload form and API, in MB."),
    Setting("page_size", 100, "Default number of rows per API page (the most is 1000)."),
    Setting("site_name", "imcap", "Name shown in the page header and reports."),
    Setting("auth_cache_seconds", 5.0,
            "How long, in seconds, a worker keeps who a token or session belongs to before "
            "asking the database again (0: every request asks). A revoke, sign-out or role "
            "change made through this worker holds at once; one made elsewhere (another "
            "worker, imcap users) holds within this time."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, raw: Any) -> Any:
    kind = type(setting.default)
    if isinstance(raw, kind):
        return raw
    text = str(raw).strip()
    try:
        if kind is bool:
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(text)
        return kind(text)
    except ValueError:
        raise ParameterError("bad setting value", expected=kind.__name__, got=raw,
                             where=setting.env) from None


@dataclass(frozen=True)
class Settings:
    """Resolved settings. Build with :meth:`from_env`; override with keyword arguments."""

    public_access: bool = True
    secret_key: str = ""
    secure_cookies: bool = False
    session_hours: int = 12
    login_free_attempts: int = 5
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    max_upload_mb: int = 20
    page_size: int = 100
    site_name: str = "imcap"
    auth_cache_seconds: float = 5.0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for s in SETTINGS:
            if s.name in overrides:
                values[s.name] = _coerce(s, overrides.pop(s.name))
            elif s.env in env:
                values[s.name] = _coerce(s, env[s.env])
            else:
                values[s.name] = s.default
        if overrides:
            raise ParameterError("unknown setting", expected=", ".join(_BY_NAME),
                                 got=", ".join(overrides))
        if not values["secret_key"]:
            values["secret_key"] = secrets.token_hex(32)
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def setting_names() -> list[str]:
    return [f.name for f in fields(Settings) if f.name != "extra"]
