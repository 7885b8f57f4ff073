"""Schemathesis against the OpenAPI schema, in-process, as an admin (so writes get past
authorisation): no operation may answer with a server error. A few examples per operation
(hypothesis, derandomised), each operation driven from its own schema strategy."""

from __future__ import annotations

import warnings

from hypothesis import HealthCheck, given, settings

import webfixture

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis.checks import not_a_server_error

from imcap.web import Settings, create_app

SKIP = {"/api/v1/auth/logout"}


def test_no_server_errors(tmp_path):
    db, _ids = webfixture.fixture_db(tmp_path, tmp_path)
    token = webfixture.tokens_for(db, ("admin",))["admin"]
    app = create_app(db, Settings.from_env(environ={}, **webfixture.FAST_ARGON))
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    ran = []
    for result in schema.get_all_operations():
        op = result.ok()
        if op.path in SKIP:
            continue

        @given(case=op.as_strategy())
        @settings(max_examples=4, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        check()
        ran.append(f"{op.method.upper()} {op.path}")
    assert len(ran) >= 30, ran
    db.dispose()
