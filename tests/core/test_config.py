from __future__ import annotations

import stat
from datetime import time
from pathlib import Path

import pytest

from core.config import Config, ConfigError, ensure_secret_key, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_match_the_contract() -> None:
    cfg = load_config(env={})
    assert cfg.timezone == "Asia/Seoul"
    assert (cfg.server.host, cfg.server.port) == ("127.0.0.1", 8080)
    assert cfg.database.url == "sqlite+aiosqlite:///data/kbot.db"
    assert cfg.bot.transport == "dryrun"
    assert cfg.bot.command_prefix == "!"
    assert (cfg.bot.iris.text_gap_ms, cfg.bot.iris.image_gap_ms) == (300, 5000)
    assert cfg.scheduler.misfire_grace_s == 600
    assert (cfg.scheduler.room_min_interval_s, cfg.scheduler.room_daily_limit) == (30, 50)
    assert cfg.web.max_image_bytes == 10485760
    assert cfg.web.max_images_per_schedule == 10


def test_example_file_documents_the_defaults() -> None:
    """The example equals the defaults, its relative paths resolved against its folder."""
    example = Path(__file__).parents[2] / "config.example.toml"
    cfg = load_config(example, env={})
    here = example.parent
    assert cfg.data_dir == str(here / "data")
    assert cfg.web.upload_dir == str(here / "data" / "images")
    assert cfg.database.url == f"sqlite+aiosqlite:///{here}/data/kbot.db"
    defaults = Config()
    as_written = cfg.model_copy(
        update={
            "data_dir": defaults.data_dir,
            "database": cfg.database.model_copy(update={"url": defaults.database.url}),
            "web": cfg.web.model_copy(update={"upload_dir": defaults.web.upload_dir}),
        }
    )
    assert as_written == defaults


def test_toml_then_env_override(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nport = 9000\n[bot.iris]\nurl = "http://10.1.1.1:3000"\n')
    cfg = load_config(
        path,
        env={
            "KBOT_SERVER__PORT": "9100",
            "KBOT_BOT__IRIS__TEXT_GAP_MS": "500",
            "KBOT_TIMEZONE": "America/New_York",
            "KBOT_BOT__ALLOW_NETWORKS": '["10.0.0.0/8"]',
            "KBOT_TEST_MYSQL_URL": "mysql+aiomysql://ignored",  # not a config key
        },
    )
    assert cfg.server.port == 9100
    assert cfg.bot.iris.url == "http://10.1.1.1:3000"
    assert cfg.bot.iris.text_gap_ms == 500
    assert cfg.timezone == "America/New_York"
    assert cfg.bot.allow_networks == ["10.0.0.0/8"]


@pytest.mark.parametrize(
    ("toml", "env", "expected"),
    [
        ("[server]\nhots = 'x'\n", {}, "config error: server.hots: unknown key"),
        ("colour = 1\n", {}, "config error: colour: unknown key"),
        ("", {"KBOT_SCHEDULER__ROOM_DAILY_LIMT": "3"}, "scheduler.room_daily_limt: unknown key"),
        ("[server]\nport = 'eighty'\n", {}, "config error: server.port: Input should be"),
        ("[server]\nport = 70000\n", {}, "config error: server.port:"),
        ("", {"KBOT_SCHEDULER__ENABLED": "maybe"}, "config error: scheduler.enabled:"),
        ("timezone = 'Mars/Olympus'\n", {}, "config error: timezone: 'Mars/Olympus' is not"),
        ("[database]\nurl = 'postgresql://x'\n", {}, "config error: database.url: must start"),
        ("[bot]\ntransport = 'iris'\n", {}, "config error: bot.webhook_token: must be set"),
        ("[bot]\nallow_networks = ['nope']\n", {}, "bot.allow_networks: 'nope' is not an IP"),
        ("[server\n", {}, "is not valid TOML"),
        (
            "[alerts]\nweekly_digest = 'monday'\n",
            {},
            "config error: alerts.weekly_digest: 'monday'",
        ),
        ("", {"KBOT_ALERTS__WEEKLY_DIGEST": "mon 24:00"}, "alerts.weekly_digest: 'mon 24:00' is"),
        ("", {"KBOT_ALERTS__WEEKLY_DIGEST": "9:00 mon"}, "alerts.weekly_digest: '9:00 mon' is"),
    ],
)
def test_bad_config_names_the_key(
    tmp_path: Path, toml: str, env: dict[str, str], expected: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, toml), env=env)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("value", "at"), [("", None), ("mon 09:00", (0, time(9))), (" Sun 23:59 ", (6, time(23, 59)))]
)
def test_the_weekly_digest_time(value: str, at: tuple[int, time] | None) -> None:
    cfg = load_config(env={"KBOT_ALERTS__WEEKLY_DIGEST": value})
    assert cfg.alerts.digest_at == at


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", env={})


def test_secret_values_are_not_echoed(tmp_path: Path) -> None:
    path = write(tmp_path, "[bot]\nwebhook_token = 'hunter2-token'\n[web]\nsecret_key = 's3cr3t'\n")
    cfg = load_config(path, env={})
    assert cfg.bot.webhook_token.get_secret_value() == "hunter2-token"
    dumped = repr(cfg) + str(cfg) + cfg.model_dump_json()
    assert "hunter2-token" not in dumped
    assert "s3cr3t" not in dumped


def test_empty_secret_key_is_generated_once(tmp_path: Path) -> None:
    cfg = load_config(env={"KBOT_DATA_DIR": str(tmp_path / "d")})
    first = ensure_secret_key(cfg)
    key = first.web.secret_key.get_secret_value()
    assert len(key) >= 32
    secret_file = tmp_path / "d" / "secret_key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert ensure_secret_key(cfg).web.secret_key.get_secret_value() == key
    configured = load_config(
        env={"KBOT_DATA_DIR": str(tmp_path / "e"), "KBOT_WEB__SECRET_KEY": "k"}
    )
    assert ensure_secret_key(configured).web.secret_key.get_secret_value() == "k"
    assert not (tmp_path / "e").exists()


def test_relative_paths_in_a_file_are_relative_to_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    etc = tmp_path / "etc" / "kbot"
    etc.mkdir(parents=True)
    elsewhere = tmp_path / "cron"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    path = write(
        etc,
        'data_dir = "state"\n'
        '[database]\nurl = "sqlite+aiosqlite:///../db/kbot.db?timeout=5"\n'
        '[web]\nupload_dir = "state/images"\n'
        'image_dirs = ["../php/bot_images", "/srv/absolute"]\n',
    )
    cfg = load_config(path, env={})
    assert cfg.data_dir == str(etc / "state")
    assert cfg.data_path == etc / "state"
    assert cfg.web.upload_dir == str(etc / "state" / "images")
    assert cfg.web.image_dirs == [str(tmp_path / "etc" / "php" / "bot_images"), "/srv/absolute"]
    assert cfg.database.url == f"sqlite+aiosqlite:///{tmp_path}/etc/db/kbot.db?timeout=5"

    relative_path = load_config(Path("..") / "etc" / "kbot" / "config.toml", env={})
    assert relative_path.data_dir == str(etc / "state")  # --config given relative to the cwd


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:////var/lib/kbot/kbot.db",
        "sqlite+aiosqlite://",
        "sqlite+aiosqlite:///:memory:",
        "mysql+aiomysql://kbot:pw@db:3306/kbot",
    ],
)
def test_absolute_memory_and_server_urls_are_kept(tmp_path: Path, url: str) -> None:
    cfg = load_config(write(tmp_path, f'[database]\nurl = "{url}"\n'), env={})
    assert cfg.database.url == url


def test_defaults_and_environment_stay_relative_to_the_current_directory(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "[server]\nport = 9000\n")  # no path keys in the file
    cfg = load_config(path, env={"KBOT_WEB__UPLOAD_DIR": "uploads"})
    assert (cfg.data_dir, cfg.database.url) == ("data", "sqlite+aiosqlite:///data/kbot.db")
    assert cfg.web.upload_dir == "uploads"
    overridden = write(tmp_path, 'data_dir = "state"\n')
    assert load_config(overridden, env={"KBOT_DATA_DIR": "mine"}).data_dir == "mine"
