"""The CLI runs in-process; exit codes 0 ok / 1 user error / 2 bug; no traceback for user errors."""

import pytest

from imcap.cli.main import main


def test_help_lists_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "init" in out and "history" in out


def test_init_then_history(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["init", "--db", url]) == 0
    assert main(["history", "country", "--key", "KEN", "--db", url, "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "KEN,insert" in out


def test_database_url_from_environment(tmp_path):
    db = tmp_path / "env.db"
    assert main(["init"], environ={"IMCAP_DATABASE_URL": str(db)}) == 0
    assert db.exists()


def test_user_error_exit_1_without_traceback(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["history", "country", "--db", url, "--format", "xml"]) == 1
    err = capsys.readouterr().err
    assert "expected: table or csv or json" in err and "Traceback" not in err


def test_unknown_command_is_a_user_error(capsys):
    assert main(["no-such-command"]) == 1


def test_bug_exit_2_with_traceback(monkeypatch, tmp_path, capsys):
    import imcap.cli.registry as reg

    def boom(_db):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(reg, "open_db", boom)
    assert main(["init", "--db", str(tmp_path / "y.db")]) == 2
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_formats(tmp_path, capsys, fmt):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    main(["init", "--db", url])
    capsys.readouterr()
    assert main(["history", "area", "--db", url, "--format", fmt, "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert out.strip()


@pytest.mark.parametrize("url", ["sqlite:////nonexistent-folder/x.db", "foo://bar",
                                 "postgresql://nobody@127.0.0.1:1/x"])
def test_a_database_that_cannot_be_opened_is_a_user_error(url, capsys):
    assert main(["init", "--db", url]) == 1
    err = capsys.readouterr().err
    assert "database" in err and "expected:" in err and "Traceback" not in err
