"""kbot backup and kbot restore from the command line, end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kbot.cli import main
from tests.storage import test_backup

# test_backup's fixture, found by pytest under this name
target_url = test_backup.target_url


@pytest.fixture
def kbot(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.chdir(tmp_path)

    def run(url: str, *argv: str) -> tuple[int, str, str]:
        monkeypatch.setenv("KBOT_DATABASE__URL", url)
        monkeypatch.setenv("KBOT_DATA_DIR", str(tmp_path / "data"))
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_cli_backup_and_restore(kbot, db_url: str, target_url: str, tmp_path: Path) -> None:
    assert kbot(db_url, "db", "upgrade")[0] == 0
    assert (
        kbot(db_url, "org", "add", "--type", "headquarters", "--code", "HQ", "--name", "본사")[0]
        == 0
    )
    code, out, err = kbot(db_url, "backup", "out/kbot.tar.gz", "--with-images")
    assert (code, err) == (0, "")
    assert out.startswith("backup written to out/kbot.tar.gz: kbot_orgs 1,")

    code, _, err = kbot(db_url, "restore", "out/kbot.tar.gz")
    assert code == 1
    assert err.count("\n") == 1 and "database is not empty" in err

    code, _, err = kbot(target_url, "restore", "out/kbot.tar.gz")
    assert code == 1 and "run `kbot db upgrade` first" in err
    assert kbot(target_url, "db", "upgrade")[0] == 0
    code, _, err = kbot(target_url, "restore", "nope.tar.gz")
    assert code == 1 and err == "kbot: error: backup file nope.tar.gz does not exist\n"
    code, out, err = kbot(target_url, "restore", "out/kbot.tar.gz")
    assert (code, err) == (0, "")
    assert "kbot_orgs 1" in out
    assert re.search(r"written \d{4}-\d\d-\d\d \d\d:\d\d \(Asia/Seoul, \+09:00\)", out)
    code, out, _ = kbot(target_url, "org", "list")
    assert code == 0 and "본사" in out
