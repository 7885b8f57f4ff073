"""``imcap serve`` on a port in use and ``imcap report country`` into a path that cannot be
written: exit 1 with a clear message, no traceback, nothing started or written."""

from __future__ import annotations

import socket

import pytest

from imcap.cli.main import main


def test_serve_on_a_port_in_use_exits_1_without_starting(web, capsys, monkeypatch):
    import uvicorn

    db, _ = web
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("uvicorn started"))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        code = main(["serve", "--port", str(port), "--db", db.url])
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == 1
    assert f"port {port} is in use; choose another with --port" in text
    assert "imcap on http" not in text and "Traceback" not in text


def test_serve_on_an_unknown_host_exits_1(web, capsys, monkeypatch):
    import uvicorn

    db, _ = web
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("uvicorn started"))
    assert main(["serve", "--host", "no such host.invalid", "--db", db.url]) == 1
    assert "--host" in capsys.readouterr().err


@pytest.mark.parametrize("case", ["file as folder", "folder as file"])
def test_report_into_an_unwritable_path_exits_1(case, web, tmp_path, capsys):
    db, _ = web
    blocker = tmp_path / "blocker"
    if case == "file as folder":
        blocker.write_text("a file, not a folder")
        out = blocker / "x.pdf"
    else:
        blocker.mkdir()
        out = blocker
    code = main(["report", "country", "KEN", "--format", "pdf", "--out", str(out),
                 "--db", db.url])
    err = capsys.readouterr().err
    assert code == 1
    assert "cannot write the report there" in err and "--out" in err
    assert "Traceback" not in err
    if case == "file as folder":
        assert blocker.read_text() == "a file, not a folder"


def test_report_into_a_missing_folder_creates_it(web, tmp_path):
    db, _ = web
    out = tmp_path / "new" / "dir" / "x.html"
    assert main(["report", "country", "KEN", "--format", "html", "--out", str(out),
                 "--db", db.url]) == 0
    assert out.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
