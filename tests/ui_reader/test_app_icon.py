"""The application icon ships inside the package (so wheels and frozen builds have it) and matches the master."""

from __future__ import annotations

from pathlib import Path

from turingview.ui import app as ui_app

REPO = Path(__file__).resolve().parents[2]


def test_icon_is_package_data_identical_to_the_master_copy() -> None:
    assert ui_app._ICON.is_file()
    assert "site-packages" in str(ui_app._ICON) or ui_app._ICON.is_relative_to(REPO / "app" / "turingview")
    assert ui_app._ICON.read_bytes() == (REPO / "resources" / "icons" / "turingview.svg").read_bytes()


def test_the_icon_loads(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QIcon

    icon = QIcon(str(ui_app._ICON))
    assert not icon.isNull() and not icon.pixmap(64, 64).isNull()
