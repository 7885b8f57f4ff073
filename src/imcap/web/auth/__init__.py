"""Accounts, roles and scopes, sign-in (sessions, API tokens, throttling), CSRF and audit."""

from imcap.web.auth.policy import ROLES, NotAuthenticated, Principal, TooManyAttempts

__all__ = ["ROLES", "NotAuthenticated", "Principal", "TooManyAttempts"]
