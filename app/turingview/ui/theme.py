"""The reading-room theme: near-black surround, low-luminance chrome, one muted accent.

Reading rooms are dim; the chrome around the image must not glare or pull the eye. Text is light grey on
near-black (contrast ratio above 7:1 for body text), the accent is a desaturated blue used only for focus
and the selected state. The image area itself is pure black. Kept as a Python string so it ships inside the
package with nothing to locate at run time.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

#: Surround colours (dark theme); "dim" lifts the chrome a little for brighter rooms.
COLOURS = {
    "dark": {"bg": "#0b0c0e", "panel": "#16181c", "raised": "#20232a", "border": "#2c3038",
             "text": "#d7dae0", "muted": "#8b919c", "accent": "#5b8fd6", "danger": "#d9695f", "ok": "#6fbf8e"},
    "dim": {"bg": "#15171b", "panel": "#1f2228", "raised": "#2a2e36", "border": "#3a3f4a",
            "text": "#e4e6ea", "muted": "#9aa1ad", "accent": "#6b9de0", "danger": "#e07a70", "ok": "#7fcf9e"},
}

_QSS = """
QWidget {{ background: {bg}; color: {text}; font-size: 14px; }}
QMainWindow, QDialog {{ background: {bg}; }}
QLabel {{ background: transparent; }}
QFrame#bar > QWidget, QFrame#topbar > QWidget {{ background: transparent; }}
QLabel#muted, QLabel[muted="true"] {{ color: {muted}; }}
QLabel#title {{ font-size: 22px; font-weight: 600; }}
QLabel#caseId {{ font-family: "DejaVu Sans Mono", monospace; color: {muted}; font-size: 14px; }}
QLabel#progress {{ font-size: 16px; font-weight: 600; }}
QLabel#banner {{ background: #3a1d1b; color: #f4d6d2; border: 1px solid {danger}; border-radius: 4px;
                 padding: 8px 12px; }}
QLabel#feedback {{ font-size: 18px; font-weight: 600; padding: 6px 12px; }}
QFrame#bar {{ background: {panel}; border-top: 1px solid {border}; }}
QFrame#topbar {{ background: {panel}; border-bottom: 1px solid {border}; }}
QFrame#card {{ background: {panel}; border: 1px solid {border}; border-radius: 8px; }}
QPushButton {{ background: {raised}; border: 1px solid {border}; border-radius: 5px; padding: 6px 12px;
               color: {text}; }}
QPushButton:hover {{ border-color: {accent}; }}
QPushButton:pressed, QPushButton:checked {{ background: #2b3a52; border-color: {accent}; }}
QPushButton:disabled {{ color: #5b606a; border-color: #24272d; }}
QPushButton:checked:disabled {{ background: #2b3a52; color: {text}; border-color: {accent}; }}
QPushButton#score {{ min-height: 48px; padding: 4px 6px; font-size: 13px; }}
QPushButton#primary {{ background: #2b3a52; border-color: {accent}; font-weight: 600; padding: 8px 22px; }}
QPushButton#flag {{ padding: 3px 10px; font-size: 12px; border-radius: 11px; }}
QLineEdit, QComboBox, QPlainTextEdit, QTextBrowser {{ background: {raised}; border: 1px solid {border};
               border-radius: 4px; padding: 4px 6px; selection-background-color: #2b3a52; }}
QLineEdit:focus, QComboBox:focus {{ border-color: {accent}; }}
QListWidget {{ background: {raised}; border: 1px solid {border}; border-radius: 4px; }}
QListWidget::item:selected {{ background: #2b3a52; }}
QToolTip {{ background: {raised}; color: {text}; border: 1px solid {border}; }}
QTableWidget {{ background: {panel}; gridline-color: {border}; border: none; }}
QHeaderView::section {{ background: {panel}; color: {muted}; border: none; padding: 4px; }}
"""


def stylesheet(theme: str = "dark") -> str:
    """The application style sheet for ``theme``."""
    return _QSS.format(**COLOURS[theme])


def apply_theme(app: QApplication, theme: str = "dark") -> None:
    """Fusion style, a dark palette (for native-drawn parts) and the style sheet."""
    colours = COLOURS[theme]
    app.setStyle("Fusion")
    palette = QPalette()
    for role, key in (
        (QPalette.ColorRole.Window, "bg"), (QPalette.ColorRole.Base, "raised"),
        (QPalette.ColorRole.AlternateBase, "panel"), (QPalette.ColorRole.Button, "raised"),
        (QPalette.ColorRole.Text, "text"), (QPalette.ColorRole.WindowText, "text"),
        (QPalette.ColorRole.ButtonText, "text"), (QPalette.ColorRole.ToolTipBase, "raised"),
        (QPalette.ColorRole.ToolTipText, "text"), (QPalette.ColorRole.Highlight, "accent"),
        (QPalette.ColorRole.PlaceholderText, "muted"),
    ):
        palette.setColor(role, QColor(colours[key]))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    app.setPalette(palette)
    font = QFont(app.font())
    font.setPointSizeF(max(font.pointSizeF(), 10.5))
    app.setFont(font)
    app.setStyleSheet(stylesheet(theme))
