"""Configuration: a TOML file, then ``KBOT_<SECTION>__<KEY>`` environment overrides, validated by
pydantic models. ``config.example.toml`` documents every key with its default.

Relative paths written in the file are relative to the file's folder; those of the built-in
defaults and of environment variables are relative to the current directory
(``core.config_paths``).

Unknown keys and bad values raise ``ConfigError`` whose message is one line naming the key and
what was expected; secret values are never echoed.
"""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from collections.abc import Mapping
from datetime import time
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from core.config_paths import resolve_file_paths
from core.weekly import weekly_time

ENV_PREFIX = "KBOT_"
SECRET_FILE = "secret_key"  # noqa: S105  (a file name, not a secret)


def _http_url(v: str) -> str:
    if not v.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return v.rstrip("/")


HttpUrl = Annotated[str, AfterValidator(_http_url)]  # http(s), without a trailing slash


class ConfigError(Exception):
    """A configuration problem, worded for the operator in one line."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


def _ip_networks(v: list[str]) -> list[str]:
    for net in v:
        try:
            ip_network(net, strict=False)
        except ValueError:
            raise ValueError(f"'{net}' is not an IP network like 10.0.0.0/8") from None
    return v


class ServerConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    public_url: HttpUrl = "http://127.0.0.1:8080"
    max_body_bytes: int = Field(1_048_576, ge=1024)
    # reverse proxies whose X-Forwarded-For names the client (web/client_address.py)
    trusted_proxies: list[str] = []

    _networks = field_validator("trusted_proxies")(_ip_networks)


class DatabaseConfig(_Section):
    url: str = "sqlite+aiosqlite:///data/kbot.db"
    echo: bool = False
    pool_size: int = Field(10, ge=1, le=200)
    pool_recycle_s: int = Field(1800, ge=1)
    sqlite_busy_timeout_ms: int = Field(10_000, ge=0)

    @field_validator("url")
    @classmethod
    def _supported(cls, v: str) -> str:
        if not v.startswith(("sqlite+aiosqlite://", "mysql+aiomysql://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or mysql+aiomysql:// "
                "(other drivers are not supported)"
            )
        return v

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


class IrisDeviceConfig(_Section):
    """One more Iris device; a key left out takes its value from ``[bot.iris]``."""

    name: str = Field(min_length=1, max_length=50)
    url: HttpUrl
    text_gap_ms: int | None = Field(None, ge=0)
    image_gap_ms: int | None = Field(None, ge=0)
    jitter_ms: int | None = Field(None, ge=0, le=600_000)
    max_per_minute: int | None = Field(None, ge=0)
    max_per_hour: int | None = Field(None, ge=0)
    max_per_day: int | None = Field(None, ge=0)
    breaker_unconfirmed: int | None = Field(None, ge=0)
    breaker_pause_s: int | None = Field(None, ge=1)
    standby: str | None = Field(None, max_length=50)


class IrisConfig(_Section):
    url: HttpUrl = "http://127.0.0.1:3000"
    text_gap_ms: int = Field(300, ge=0)
    image_gap_ms: int = Field(5000, ge=0)
    timeout_s: float = Field(10, gt=0, le=120)
    bot_id: str = ""  # the bot account's user_id; empty = ask Iris GET /config at start-up
    jitter_ms: int = Field(0, ge=0, le=600_000)  # random extra spacing, 0 to this, per send
    max_per_minute: int = Field(0, ge=0)  # per-device send budgets; 0 = no limit
    max_per_hour: int = Field(0, ge=0)
    max_per_day: int = Field(0, ge=0)
    breaker_unconfirmed: int = Field(5, ge=0)  # bad parts in a row that pause a device; 0 = off
    breaker_pause_s: int = Field(600, ge=1)
    standby: str = Field("", max_length=50)  # device taking over this one's rooms while paused
    devices: list[IrisDeviceConfig] = []  # extra Iris devices; [bot.iris] itself is "default"

    @model_validator(mode="after")
    def _standby_names(self) -> IrisConfig:
        names = ["default", *(d.name for d in self.devices)]
        if len(set(names)) != len(names):
            raise ValueError(f"bot.iris.devices: device names must be unique: {names}")
        standbys = [("bot.iris.standby", "default", self.standby)] + [
            (f"bot.iris.devices.{i}.standby", d.name, d.standby or "")
            for i, d in enumerate(self.devices)
        ]
        for key, own, standby in standbys:
            if standby and standby not in names:
                raise ValueError(f"{key}: no Iris device is named {standby!r} (devices: {names})")
            if standby == own:
                raise ValueError(f"{key}: a device cannot be its own standby")
        return self


class BotConfig(_Section):
    transport: Literal["dryrun", "iris"] = "dryrun"
    command_prefix: str = Field("!", min_length=1, max_length=3)
    webhook_token: SecretStr = SecretStr("")
    allow_networks: list[str] = []  # source networks allowed on /webhook/*; empty = any
    # hosts (and their subdomains) a skill request's callbackUrl may name; https only,
    # except loopback addresses
    skill_callback_hosts: list[str] = ["kakao.com"]
    # command replies the bot may post per minute, per room and per sender (over it: dropped)
    replies_per_room_per_minute: int = Field(30, ge=1, le=1000)
    replies_per_sender_per_minute: int = Field(20, ge=1, le=1000)
    # a part whose own echo has not come back through /webhook/iris by then is 'unconfirmed'
    confirm_timeout_s: float = Field(30, gt=0, le=3600)
    # send a part again after an error that leaves it unknown whether Iris took it (a timeout):
    # off by default, so a part that may have been delivered is never sent twice
    resend_uncertain: bool = False
    iris: IrisConfig = IrisConfig()

    _networks = field_validator("allow_networks")(_ip_networks)


class SchedulerConfig(_Section):
    enabled: bool = True
    misfire_grace_s: int = Field(600, ge=0)
    room_min_interval_s: int = Field(30, ge=0)
    room_daily_limit: int = Field(50, ge=1)
    max_text_length: int = Field(1000, ge=1, le=100_000)
    recheck_interval_s: float = Field(5, gt=0, le=300)
    lease_s: int = Field(60, ge=5)
    claim_batch: int = Field(1000, ge=1, le=5000)
    max_concurrent_sends: int = Field(1000, ge=1)
    max_consecutive_failures: int = Field(3, ge=1)
    retry_base_s: float = Field(2, gt=0)
    shutdown_grace_s: float = Field(30, ge=0)
    # what a schedule without 공휴일: does on a Korean public holiday or a `kbot holiday` day
    holiday_policy: Literal["send", "skip", "next_business_day", "previous_business_day"] = "send"


class WebConfig(_Section):
    secret_key: SecretStr = SecretStr("")
    upload_dir: str = "data/images"
    # other folders the scheduler may read images from (e.g. the PHP site's image folder)
    image_dirs: list[str] = []
    max_image_bytes: int = Field(10_485_760, ge=1024)
    max_image_pixels: int = Field(16_777_216, ge=10_000)
    max_concurrent_image_checks: int = Field(1, ge=1, le=16)
    max_images_per_schedule: int = Field(10, ge=1, le=30)
    login_link_ttl_s: int = Field(600, ge=30)
    session_ttl_s: int = Field(43_200, ge=60)


class AlertsConfig(_Section):
    ops_room_id: str = ""
    iris_down_after_s: int = Field(300, ge=10)
    min_interval_s: int = Field(600, ge=0)
    # last week's summary to the ops room at this local day and time ("mon 09:00"); "" = off
    weekly_digest: str = ""

    @field_validator("weekly_digest")
    @classmethod
    def _weekly(cls, v: str) -> str:
        weekly_time(v)
        return v.strip().lower()

    @property
    def digest_at(self) -> tuple[int, time] | None:
        """``weekly_digest`` read: (weekday 0 = Monday, local time), or None when off."""
        return weekly_time(self.weekly_digest)


class LoggingConfig(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Config(_Section):
    timezone: str = "Asia/Seoul"
    data_dir: str = "data"
    server: ServerConfig = ServerConfig()
    database: DatabaseConfig = DatabaseConfig()
    bot: BotConfig = BotConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    web: WebConfig = WebConfig()
    alerts: AlertsConfig = AlertsConfig()
    logging: LoggingConfig = LoggingConfig()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{v}' is not an IANA time zone like Asia/Seoul") from None
        return v

    @model_validator(mode="after")
    def _iris_needs_token(self) -> Config:
        if self.bot.transport == "iris" and not self.bot.webhook_token.get_secret_value():
            raise ValueError("bot.webhook_token: must be set when bot.transport is 'iris'")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read ``path`` (if given) and the environment into a validated ``Config``."""
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            with open(path, "rb") as fh:
                raw = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        resolve_file_paths(raw, Path(os.path.abspath(path)).parent)
    _apply_env(raw, os.environ if env is None else env)
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _apply_env(raw: dict[str, Any], env: Mapping[str, str]) -> None:
    top_level = set(Config.model_fields)
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX):
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        if "__" not in rest and rest not in top_level:
            continue  # other KBOT_* variables (e.g. KBOT_TEST_MYSQL_URL) are not config
        keys = rest.split("__")
        node = raw
        for key in keys[:-1]:
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                raise ConfigError(f"{name}: {'.'.join(keys[:-1])} is not a section")
            node = child
        node[keys[-1]] = _env_value(value)


def _env_value(value: str) -> Any:
    if value.startswith("["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _describe(exc: ValidationError) -> str:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"]) or "config"
    if err["type"] == "extra_forbidden":
        return f"config error: {key}: unknown key (see config.example.toml for the valid keys)"
    message = err["msg"].removeprefix("Value error, ")
    if message.startswith(("bot.", "database.")):
        return f"config error: {message}"
    return f"config error: {key}: {message}"


def ensure_secret_key(cfg: Config) -> Config:
    """Return ``cfg`` with ``web.secret_key`` filled: from config, else from the data directory,
    else freshly generated there (mode 0600) on first run."""
    if cfg.web.secret_key.get_secret_value():
        return cfg
    path = cfg.data_path / SECRET_FILE
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key + "\n")
    web = cfg.web.model_copy(update={"secret_key": SecretStr(key)})
    return cfg.model_copy(update={"web": web})
