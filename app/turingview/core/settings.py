"""Typed, versioned reader-workstation settings in ``<config dir>/settings.json``.

The file is written atomically (temporary file in the same folder, ``fsync``, ``os.replace``), so a crash
never leaves half a file. ``TURINGVIEW_SETTINGS`` names another file (tests, shared workstations). Window
geometry is not kept here: the Qt view keeps it in ``QSettings``.

Key bindings map an *action* to a list of key sequences in Qt's portable text form (``"Ctrl+1"``,
``"Backspace"``, ``"F1"``); core only stores the strings.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from turingview.core.errors import InvalidInputError
from turingview.core.paths import config_dir

__all__ = [
    "ACTIONS",
    "DEFAULT_KEY_BINDINGS",
    "SETTINGS_VERSION",
    "Settings",
    "load_settings",
    "save_settings",
    "settings_path",
]

SETTINGS_VERSION = 1
THEMES = ("dark", "dim")

#: action -> (description shown on the help overlay, default key sequences)
ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "rate_1": ("Rate 1 and advance", ("1",)),
    "rate_2": ("Rate 2 and advance", ("2",)),
    "rate_3": ("Rate 3 and advance", ("3",)),
    "rate_4": ("Rate 4 and advance", ("4",)),
    "rate_5": ("Rate 5 and advance", ("5",)),
    "continue": ("Begin / resume / continue after training feedback", ("Return", "Enter")),
    "back": ("Previous case (if the study allows it)", ("Backspace",)),
    "forward": ("Next case, keeping the answer (after Back)", ("PgDown",)),
    "next_slice": ("Next slice", ("Down", "Right")),
    "previous_slice": ("Previous slice", ("Up", "Left")),
    "reset_view": ("Reset window, zoom and pan", ("R",)),
    "zoom_in": ("Zoom in", ("Ctrl+=", "Ctrl++")),
    "zoom_out": ("Zoom out", ("Ctrl+-",)),
    "preset_ct-lung": ("Window preset: CT lung", ("L",)),
    "preset_ct-mediastinum": ("Window preset: CT mediastinum", ("M",)),
    "preset_ct-bone": ("Window preset: CT bone", ("B",)),
    "preset_ct-brain": ("Window preset: CT brain", ("H",)),
    "preset_ct-abdomen": ("Window preset: CT abdomen", ("A",)),
    "preset_ct-liver": ("Window preset: CT liver", ("V",)),
    "flag_1": ("Toggle artefact flag 1", ("Ctrl+1",)),
    "flag_2": ("Toggle artefact flag 2", ("Ctrl+2",)),
    "flag_3": ("Toggle artefact flag 3", ("Ctrl+3",)),
    "flag_4": ("Toggle artefact flag 4", ("Ctrl+4",)),
    "flag_5": ("Toggle artefact flag 5", ("Ctrl+5",)),
    "comment": ("Write a comment", ("C",)),
    "pause": ("Pause / resume", ("P", "Space")),
    "fullscreen": ("Full screen on / off", ("F11",)),
    "help": ("This help", ("F1", "?")),
}

DEFAULT_KEY_BINDINGS: dict[str, tuple[str, ...]] = {action: keys for action, (_, keys) in ACTIONS.items()}


@dataclass(frozen=True)
class Settings:
    """The reader workstation's preferences.

    Parameters
    ----------
    key_bindings
        action -> key sequences; actions missing from the file keep their defaults.
    theme
        ``"dark"`` (reading room, default) or ``"dim"``.
    prefetch_depth
        Cases decoded and rendered ahead of the current one (0..16).
    start_full_screen
        Open the reading screen full screen.
    min_view_ms
        An answer is accepted only once the image has been on screen this long (0..5000 ms): a key press
        faster than a human response cannot be about the image just painted (guards double presses).
    """

    key_bindings: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_KEY_BINDINGS))
    theme: str = "dark"
    prefetch_depth: int = 3
    start_full_screen: bool = False
    min_view_ms: int = 200
    version: int = SETTINGS_VERSION

    def __post_init__(self) -> None:
        if self.theme not in THEMES:
            raise ValueError(f"theme {self.theme!r} is not one of {list(THEMES)}")
        if not isinstance(self.prefetch_depth, int) or not 0 <= self.prefetch_depth <= 16:
            raise ValueError(f"prefetch_depth {self.prefetch_depth!r} must be an integer 0..16")
        if not isinstance(self.min_view_ms, int) or not 0 <= self.min_view_ms <= 5000:
            raise ValueError(f"min_view_ms {self.min_view_ms!r} must be an integer 0..5000")
        merged = dict(DEFAULT_KEY_BINDINGS)
        for action, keys in self.key_bindings.items():
            if action not in ACTIONS:
                raise ValueError(f"unknown action {action!r} in key_bindings")
            if isinstance(keys, str) or not all(isinstance(k, str) and k for k in keys):
                raise ValueError(f"key_bindings[{action!r}] must be a list of key names, got {keys!r}")
            merged[action] = tuple(keys)
        seen: dict[str, str] = {}
        for action, keys in merged.items():
            for key in keys:
                if key in seen and seen[key] != action:
                    raise ValueError(f"key {key!r} is bound to both {seen[key]!r} and {action!r}")
                seen[key] = action
        object.__setattr__(self, "key_bindings", merged)

    def keys_for(self, action: str) -> tuple[str, ...]:
        """Key sequences bound to ``action`` (``KeyError`` for an unknown action)."""
        return self.key_bindings[action]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "theme": self.theme,
            "prefetch_depth": self.prefetch_depth,
            "start_full_screen": self.start_full_screen,
            "min_view_ms": self.min_view_ms,
            "key_bindings": {a: list(k) for a, k in self.key_bindings.items()},
        }


def settings_path() -> Path:
    """``$TURINGVIEW_SETTINGS`` or ``<config dir>/settings.json``."""
    override = os.environ.get("TURINGVIEW_SETTINGS")
    return Path(override) if override else config_dir() / "settings.json"


def _migrate(data: dict[str, Any], path: Path) -> dict[str, Any]:
    version = data.get("version", SETTINGS_VERSION)
    if not isinstance(version, int) or version < 1:
        raise InvalidInputError(f"{path}: 'version' must be a positive integer, got {version!r}")
    if version > SETTINGS_VERSION:
        raise InvalidInputError(
            f"{path}: settings version {version} was written by a newer TuringView (this one reads {SETTINGS_VERSION})"
        )
    # version 1 is current; later versions add their upgrade steps here, oldest first
    data["version"] = SETTINGS_VERSION
    return data


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; defaults when it does not exist.

    Raises
    ------
    InvalidInputError
        The file is not valid JSON or holds an invalid value (the message names the file and the key).
    """
    path = path or settings_path()
    if not path.exists():
        return Settings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"{path}: cannot read settings: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInputError(f"{path}: settings must be a JSON object")
    data = _migrate(data, path)
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInputError(f"{path}: unknown setting(s) {unknown}")
    if "key_bindings" in data and not isinstance(data["key_bindings"], dict):
        raise InvalidInputError(f"{path}: 'key_bindings' must be an object of action -> [keys]")
    try:
        return Settings(**data)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{path}: {exc}") from exc


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write ``settings`` atomically; returns the path written."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(settings.to_json(), indent=2, sort_keys=True) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def with_binding(settings: Settings, action: str, keys: tuple[str, ...]) -> Settings:
    """A copy of ``settings`` with ``action`` bound to ``keys`` (validated)."""
    bindings = dict(settings.key_bindings)
    bindings[action] = keys
    return replace(settings, key_bindings=bindings)
