"""Typed, versioned settings: defaults, round trip, validation naming file and key, atomic writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from turingview.core.errors import InvalidInputError
from turingview.core.settings import (
    ACTIONS,
    SETTINGS_VERSION,
    Settings,
    load_settings,
    save_settings,
    settings_path,
    with_binding,
)


def test_defaults_when_no_file() -> None:
    settings = load_settings()
    assert settings == Settings()
    assert settings.keys_for("rate_3") == ("3",)
    assert set(settings.key_bindings) == set(ACTIONS)
    assert settings_path().parent == Path(os.environ["TURINGVIEW_CONFIG_DIR"])


def test_round_trip_and_partial_bindings(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    custom = with_binding(Settings(prefetch_depth=5, theme="dim"), "pause", ("F9",))
    save_settings(custom, path)
    loaded = load_settings(path)
    assert loaded == custom and loaded.keys_for("pause") == ("F9",)
    path.write_text(json.dumps({"version": 1, "key_bindings": {"help": ["F2"]}}))
    partial = load_settings(path)
    assert partial.keys_for("help") == ("F2",) and partial.keys_for("rate_1") == ("1",)


def test_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere.json"
    monkeypatch.setenv("TURINGVIEW_SETTINGS", str(target))
    save_settings(Settings(prefetch_depth=7))
    assert target.exists() and load_settings().prefetch_depth == 7


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "cannot read settings"),
        ("[]", "must be a JSON object"),
        ('{"prefetch_depth": 99}', "prefetch_depth 99"),
        ('{"theme": "neon"}', "theme 'neon'"),
        ('{"colour": 1}', "unknown setting"),
        ('{"key_bindings": {"fly": ["X"]}}', "unknown action 'fly'"),
        ('{"key_bindings": {"pause": ["1"]}}', "bound to both"),
        ('{"key_bindings": {"pause": "P"}}', "must be a list"),
        (f'{{"version": {SETTINGS_VERSION + 1}}}', "newer TuringView"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(content)
    with pytest.raises(InvalidInputError, match=needle) as info:
        load_settings(path)
    assert str(path) in str(info.value)


def test_atomic_write_leaves_old_file_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "settings.json"
    save_settings(Settings(prefetch_depth=2), path)

    def boom(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        save_settings(Settings(prefetch_depth=9), path)
    assert load_settings(path).prefetch_depth == 2
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]
