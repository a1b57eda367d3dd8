"""The ``standby`` keys: a device's standby must be another configured device, or start-up
stops with one line naming the key (``load_config`` and ``kbot serve``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.iris.build import iris_devices
from core.config import ConfigError, load_config
from kbot.cli import main

PHONE2 = '[[bot.iris.devices]]\nname = "phone2"\nurl = "http://10.0.0.2:3000"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[bot.iris]\nstandby = "phone9"\n' + PHONE2,
            "config error: bot.iris.standby: no Iris device is named 'phone9' "
            "(devices: ['default', 'phone2'])",
        ),
        (
            PHONE2 + 'standby = "phone9"\n',
            "config error: bot.iris.devices.0.standby: no Iris device is named 'phone9' "
            "(devices: ['default', 'phone2'])",
        ),
        (
            PHONE2 + 'standby = "phone2"\n',
            "config error: bot.iris.devices.0.standby: a device cannot be its own standby",
        ),
    ],
)
def test_a_bad_standby_stops_start_up_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert str(caught.value) == message
    assert main(["--config", str(path), "serve"]) == 2
    assert capsys.readouterr().err == f"kbot: {message}\n"


def test_standby_names_reach_the_devices(tmp_path: Path) -> None:
    text = '[bot.iris]\nstandby = "phone2"\n' + PHONE2 + '[[bot.iris.devices]]\nname = "phone3"\n'
    text += 'url = "http://10.0.0.3:3000"\nstandby = "default"\n'
    devices = iris_devices(load_config(write(tmp_path, text), env={}))
    # "phone2" leaves its standby out: the default device's standby is not inherited
    assert {d.name: d.standby for d in devices} == {
        "default": "phone2",
        "phone2": "",
        "phone3": "default",
    }
