"""Where TuringView keeps its files: platform directories with environment overrides.

``TURINGVIEW_DATA_DIR`` and ``TURINGVIEW_CONFIG_DIR`` override the platformdirs locations (tests send
them to a temporary folder); ``TURINGVIEW_DB_URL`` overrides the default embedded SQLite database.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "TuringView"


def data_dir() -> Path:
    """The user data directory (databases, backups, reader packages), created on first use."""
    override = os.environ.get("TURINGVIEW_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """The user configuration directory (settings.json), created on first use."""
    override = os.environ.get("TURINGVIEW_CONFIG_DIR")
    path = Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_url() -> str:
    """The database used when none is given: ``$TURINGVIEW_DB_URL`` or ``<data dir>/turingview.db``."""
    override = os.environ.get("TURINGVIEW_DB_URL")
    if override:
        return override
    return f"sqlite:///{data_dir() / 'turingview.db'}"


def redact_url(url: str) -> str:
    """A database URL for display, with any password replaced by ``***``.

    >>> redact_url("postgresql+psycopg://ann:secret@db.example/turingview")
    'postgresql+psycopg://ann:***@db.example/turingview'
    """
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url
