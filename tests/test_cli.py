"""The ``kbot`` CLI: exit codes and one-line messages, on both backends."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kbot.cli import main


def test_commands_before_upgrade_say_what_to_do(kbot) -> None:
    code, _, err = kbot("org", "list")
    assert code == 1
    assert "run `kbot db upgrade`" in err


def test_first_org_admin_room_token(kbot) -> None:
    assert kbot("db", "upgrade")[0] == 0
    assert kbot("org", "add", "--type", "headquarters", "--code", "HQ", "--name", "본사")[0] == 0
    assert (
        kbot(
            "org",
            "add",
            "--type",
            "distributor",
            "--code",
            "DT1",
            "--name",
            "서울총판",
            "--parent",
            "HQ",
        )[0]
        == 0
    )
    assert (
        kbot(
            "org",
            "add",
            "--type",
            "branch",
            "--code",
            "BR1",
            "--name",
            "강남지점",
            "--parent",
            "DT1",
        )[0]
        == 0
    )
    code, out, _ = kbot(
        "admin",
        "add",
        "--kakao-user-id",
        "252507685",
        "--org",
        "BR1",
        "--name",
        "김지점장",
        "--mb-id",
        "kim",
    )
    assert code == 0 and "김지점장" in out
    code, out, _ = kbot(
        "room",
        "add",
        "--room-id",
        "257378349297847",
        "--name",
        "강남 공지방",
        "--org",
        "BR1",
        "--type",
        "live",
    )
    assert code == 0
    code, out, _ = kbot("token", "create", "--admin", "252507685", "--name", "php-site")
    assert code == 0
    token = out.strip().splitlines()[-1]
    assert token.startswith("kbt_") and len(token) > 30

    code, out, _ = kbot("org", "list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["HQ", "DT1", "BR1"]
    code, out, _ = kbot("room", "list")
    assert "257378349297847" in out and "BR1" in out
    code, out, _ = kbot("admin", "list")
    assert "252507685" in out and "kim" in out


MISTAKES = [
    (
        ["org", "add", "--type", "branch", "--code", "BRX", "--name", "x", "--parent", "NOPE"],
        "unknown org code 'NOPE'",
    ),
    (
        ["org", "add", "--type", "agency", "--code", "AGX", "--name", "x", "--parent", "BR1"],
        "a branch cannot be the parent of a agency",
    ),
    (
        ["org", "add", "--type", "branch", "--code", "BR1", "--name", "x", "--parent", "HQ"],
        "org code 'BR1' already exists",
    ),
    (["org", "add", "--type", "branch", "--code", "BRX", "--name", "x"], "needs --parent"),
    (
        ["admin", "add", "--kakao-user-id", "1", "--org", "BR1", "--name", "again"],
        "kakao user 1 is already an admin",
    ),
    (
        ["admin", "add", "--kakao-user-id", "2", "--org", "ZZ", "--name", "n"],
        "unknown org code 'ZZ'",
    ),
    (
        ["room", "add", "--room-id", "100", "--name", "dup", "--org", "BR1"],
        "room 100 is already registered",
    ),
    (["token", "create", "--admin", "999"], "no admin with kakao user id 999"),
]


def test_mistakes_exit_non_zero_with_one_line(kbot) -> None:
    kbot("db", "upgrade")
    kbot("org", "add", "--type", "headquarters", "--code", "HQ", "--name", "본사")
    kbot("org", "add", "--type", "branch", "--code", "BR1", "--name", "지점", "--parent", "HQ")
    kbot("admin", "add", "--kakao-user-id", "1", "--org", "BR1", "--name", "a")
    kbot("room", "add", "--room-id", "100", "--name", "r", "--org", "BR1")
    for argv, message in MISTAKES:
        code, _, err = kbot(*argv)
        assert code == 1, argv
        assert message in err
        assert len(err.strip().splitlines()) == 1


def test_org_import_is_all_or_nothing(kbot, tmp_path: Path) -> None:
    kbot("db", "upgrade")
    good = tmp_path / "good.csv"
    good.write_text(
        "type,code,name,parent_code\nheadquarters,HQ,본사,\ndistributor,DT1,총판,HQ\n"
        "agency,AG1,대리점,DT1\nbranch,BR1,지점,AG1\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "type,code,name,parent_code\nagency,AG2,대리점2,DT1\nbranch,BR2,지점2,AG2\n"
        "agency,AG3,거꾸로,BR2\n",
        encoding="utf-8",
    )
    broken = tmp_path / "broken.csv"
    broken.write_text("type,code,name,parent_code\nbranch,BR3\n", encoding="utf-8")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("planet,P1,행성,\n", encoding="utf-8")

    code, out, _ = kbot("org", "import", str(good))
    assert (code, out.strip()) == (0, f"imported 4 orgs from {good}")
    code, _, err = kbot("org", "import", str(bad))
    assert code == 1 and "line 4:" in err and "cannot be the parent" in err
    code, _, err = kbot("org", "import", str(broken))
    assert code == 1 and "line 2: expected 4 columns" in err
    code, _, err = kbot("org", "import", str(unknown))
    assert code == 1 and "line 1: type 'planet'" in err
    code, _, err = kbot("org", "import", str(tmp_path / "missing.csv"))
    assert code == 1 and "does not exist" in err
    _, out, _ = kbot("org", "list")
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["HQ", "DT1", "AG1", "BR1"]


def test_bad_config_exits_2_naming_the_key(kbot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KBOT_SCHEDULER__ROOM_DAILY_LIMIT", "lots")
    code, _, err = kbot("org", "list")
    assert code == 2
    assert err.startswith("kbot: config error: scheduler.room_daily_limit:")


def test_unreachable_database_is_one_line_without_password(kbot, monkeypatch) -> None:
    monkeypatch.setenv("KBOT_DATABASE__URL", "mysql+aiomysql://kbot:hunter2@127.0.0.1:1/kbot")
    code, _, err = kbot("org", "list")
    assert code == 1
    assert "hunter2" not in err
    assert "127.0.0.1:1" in err and len(err.strip().splitlines()) == 1


def test_config_file_paths_do_not_depend_on_the_current_directory(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """cron runs ``kbot --config /etc/kbot/config.toml ...`` from anywhere: the file's relative
    paths (the SQLite file, data_dir) are under the file's folder, not the current one."""
    etc = tmp_path / "etc" / "kbot"
    etc.mkdir(parents=True)
    url = "sqlite+aiosqlite:///data/kbot.db" if db_url.startswith("sqlite") else db_url
    config = etc / "config.toml"
    config.write_text(f'data_dir = "data"\n[database]\nurl = "{url}"\n', encoding="utf-8")
    for name in ("KBOT_DATABASE__URL", "KBOT_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    steps = [
        ["db", "upgrade"],
        ["org", "add", "--type", "headquarters", "--code", "HQ", "--name", "본사"],
        ["org", "list"],
    ]
    outputs = []
    for index, argv in enumerate(steps):
        cwd = tmp_path / f"cwd{index}"
        cwd.mkdir()
        monkeypatch.chdir(cwd)
        where = ["--config", str(config)]  # before the subcommand, then after it
        code = main([*where, *argv] if index % 2 == 0 else [*argv, *where])
        out, err = capsys.readouterr()
        assert (code, err) == (0, ""), argv
        outputs.append(out)
        assert list(cwd.iterdir()) == []  # no stray ./data/kbot.db
    assert outputs[2].splitlines()[1].split()[0] == "HQ"
    if db_url.startswith("sqlite"):
        assert (etc / "data" / "kbot.db").is_file()


def test_invite_expiry_is_local_time_with_its_zone(kbot) -> None:
    kbot("db", "upgrade")
    kbot("org", "add", "--type", "headquarters", "--code", "HQ", "--name", "본사")
    seoul = ZoneInfo("Asia/Seoul")
    before = datetime.now(seoul)
    code, out, _ = kbot("admin", "invite", "--org", "HQ", "--name", "새 관리자", "--ttl-hours", "2")
    assert code == 0
    found = re.search(r"valid until (\d{4}-\d\d-\d\d \d\d:\d\d) \(Asia/Seoul, \+09:00\)\.", out)
    assert found is not None, out
    until = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=seoul)
    assert timedelta(hours=2, minutes=-1) <= until - before <= timedelta(hours=2, minutes=1)
    assert "UTC" not in out
