"""The image canvas: fit to the window with the physical aspect ratio, window/level, zoom, pan, slices.

Mouse, as on a PACS: right-drag = window/level (horizontal: width, right = wider; vertical: level, down =
lower level = brighter image), left-drag = pan, wheel = slice, Ctrl+wheel = zoom about the
cursor. No pixel probe, no header, no file name: the only overlays are the slice counter, the window and the
zoom factor, drawn small in a muted grey at the corners, identically for every case.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPaintEvent, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from turingview.core.domain import DisplayState
from turingview.imaging.display import render_slice
from turingview.imaging.volume import Window
from turingview.ui.workers import FIT_MARGIN, PreparedImage, to_qimage

ZOOM_MIN, ZOOM_MAX, ZOOM_STEP = 0.25, 16.0, 1.15
_OVERLAY = QColor(150, 156, 166)


@dataclass
class _View:
    window: Window | None
    slice_index: int
    zoom: float = 1.0
    pan_x: float = 0.0  # image-pixel offset of the image centre from the view centre
    pan_y: float = 0.0
    preset: str | None = None


class ImageView(QWidget):
    """Paints one :class:`PreparedImage`; emits ``painted`` after the first paint of each new image."""

    painted = Signal()
    view_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMouseTracking(False)
        self._prepared: PreparedImage | None = None
        self._initial: _View | None = None
        self._view: _View | None = None
        self._image: QImage | None = None
        self._first_paint_pending = False
        self.painted_at = 0.0  # perf_counter() when the image was last drawn (diagnostics, benchmark)
        self._drag_button: Qt.MouseButton | None = None
        self._drag_origin = QPointF()
        self._drag_view: _View | None = None
        self.hidden_message = ""
        self._font = QFont(self.font())
        self._font.setPointSizeF(max(9.0, self._font.pointSizeF() - 1))

    # ------------------------------------------------------------------ content
    def set_image(self, prepared: PreparedImage | None) -> None:
        """Show ``prepared`` at its default view (middle slice, default window, fitted)."""
        self._prepared = prepared
        if prepared is None:
            self._view = self._initial = None
            self._image = None
        else:
            self._initial = _View(prepared.window, prepared.slice_index, preset=prepared.preset)
            self._view = _View(prepared.window, prepared.slice_index, preset=prepared.preset)
            self._image = prepared.image
        self._first_paint_pending = prepared is not None
        self.update()

    def rearm(self) -> None:
        """Repaint the same image and emit ``painted`` again (after a pause); the view state is kept."""
        self._first_paint_pending = self._prepared is not None
        self.update()

    @property
    def has_image(self) -> bool:
        return self._prepared is not None

    def display_state(self) -> DisplayState:
        """The display state to log with a rating."""
        view, prepared = self._view, self._prepared
        if view is None or prepared is None:
            return DisplayState()
        multi = prepared.volume.n_slices > 1
        return DisplayState(
            window_center=None if view.window is None else float(view.window.center),
            window_width=None if view.window is None else float(view.window.width),
            zoom=round(view.zoom, 4),
            pan_x=round(view.pan_x, 2),
            pan_y=round(view.pan_y, 2),
            slice_index=view.slice_index if multi else None,
            preset=view.preset,
        )

    # ------------------------------------------------------------------ commands
    def set_window(self, window: Window, *, preset: str | None = None) -> None:
        if self._view is None or self._prepared is None or self._prepared.volume.is_color:
            return
        self._view.window = window
        self._view.preset = preset
        self._rerender()

    def reset_view(self) -> None:
        if self._initial is None:
            return
        self._view = _View(self._initial.window, self._initial.slice_index, preset=self._initial.preset)
        self._rerender()

    def step_slice(self, delta: int) -> None:
        if self._view is None or self._prepared is None:
            return
        n = self._prepared.volume.n_slices
        index = min(max(self._view.slice_index + delta, 0), n - 1)
        if index != self._view.slice_index:
            self._view.slice_index = index
            self._rerender()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        view = self._view
        if view is None:
            return
        new_zoom = min(max(view.zoom * factor, ZOOM_MIN), ZOOM_MAX)
        if anchor is not None:
            # keep the image point under the cursor where it is
            scale_old = self._scale()
            before = self._to_image(anchor, scale_old)
            view.zoom = new_zoom
            after = self._to_image(anchor, self._scale())
            view.pan_x += after.x() - before.x()
            view.pan_y += after.y() - before.y()
        else:
            view.zoom = new_zoom
        self.view_changed.emit()
        self.update()

    # ------------------------------------------------------------------ geometry
    def _physical(self) -> tuple[float, float]:
        """Displayed (width, height) of the image in 'column pixels', from the pixel spacing."""
        assert self._prepared is not None
        volume = self._prepared.volume
        return float(volume.cols), float(volume.rows) * volume.pixel_aspect

    def _scale(self) -> float:
        """Screen pixels per image column at the current zoom."""
        width, height = self._physical()
        fit = min((self.width() - 2 * FIT_MARGIN) / width, (self.height() - 2 * FIT_MARGIN) / height)
        return max(fit, 1e-3) * (self._view.zoom if self._view else 1.0)

    def _target(self) -> QRectF:
        assert self._view is not None
        width, height = self._physical()
        scale = self._scale()
        aspect = self._prepared.volume.pixel_aspect if self._prepared else 1.0
        w, h = width * scale, height * scale
        cx = self.width() / 2 + self._view.pan_x * scale
        cy = self.height() / 2 + self._view.pan_y * scale * aspect
        return QRectF(cx - w / 2, cy - h / 2, w, h)

    def _to_image(self, point: QPointF, scale: float) -> QPointF:
        """Offset of ``point`` from the image centre, in image pixels, at ``scale``."""
        assert self._view is not None
        aspect = self._prepared.volume.pixel_aspect if self._prepared else 1.0
        cx = self.width() / 2 + self._view.pan_x * scale
        cy = self.height() / 2 + self._view.pan_y * scale * aspect
        return QPointF((point.x() - cx) / scale, (point.y() - cy) / (scale * aspect))

    def _rerender(self) -> None:
        prepared, view = self._prepared, self._view
        if prepared is None or view is None:
            return
        self._image = to_qimage(render_slice(prepared.volume, view.slice_index, view.window))
        self.view_changed.emit()
        self.update()

    # ------------------------------------------------------------------ Qt events
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if self.hidden_message:
            painter.setPen(_OVERLAY)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.hidden_message)
            painter.end()
            return
        if self._image is None or self._view is None:
            painter.end()
            return
        target = self._target()
        scaled = self._prepared.scaled if self._prepared is not None else None
        if (scaled is not None and self._image is self._prepared.image and self._view.zoom == 1.0  # type: ignore[union-attr]
                and self._view.pan_x == 0.0 and self._view.pan_y == 0.0
                and abs(scaled.width() - target.width()) < 1 and abs(scaled.height() - target.height()) < 1):
            painter.drawImage(target.topLeft().toPoint(), scaled)  # pre-scaled on a decode thread: a plain blit
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._view.zoom < 4.0)
            painter.drawImage(target, self._image)
        self.painted_at = time.perf_counter()
        self._draw_overlays(painter)
        painter.end()
        if self._first_paint_pending:
            self._first_paint_pending = False
            self.painted.emit()

    def _draw_overlays(self, painter: QPainter) -> None:
        assert self._prepared is not None and self._view is not None
        painter.setFont(self._font)
        painter.setPen(_OVERLAY)
        margin = 10
        box = self.rect().adjusted(margin, margin, -margin, -margin)
        n = self._prepared.volume.n_slices
        if n > 1:
            painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                             f"Slice {self._view.slice_index + 1} / {n}")
        lines = []
        if self._view.window is not None:
            label = f"  {self._view.preset}" if self._view.preset else ""
            lines.append(f"W {self._view.window.width:.0f}  L {self._view.window.center:.0f}{label}")
        lines.append(f"Zoom {self._view.zoom * 100:.0f}%")
        painter.drawText(box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, "\n".join(lines))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._view is None or event.button() not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return super().mousePressEvent(event)
        self._drag_button = event.button()
        self._drag_origin = event.position()
        self._drag_view = _View(**vars(self._view))
        self.setCursor(Qt.CursorShape.SizeAllCursor if event.button() == Qt.MouseButton.RightButton
                       else Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        start, view = self._drag_view, self._view
        if self._drag_button is None or start is None or view is None:
            return super().mouseMoveEvent(event)
        delta = event.position() - self._drag_origin
        if self._drag_button == Qt.MouseButton.RightButton and start.window is not None:
            # sensitivity proportional to the current width, so bone and brain windows both feel right
            per_px = max(start.window.width, 2.0) / 256.0
            width = max(1.0, start.window.width + delta.x() * per_px)
            center = start.window.center - delta.y() * per_px
            view.window = Window(center=round(center, 1), width=round(width, 1), function="LINEAR")
            view.preset = None
            self._rerender()
        elif self._drag_button == Qt.MouseButton.LeftButton:
            scale = self._scale()
            aspect = self._prepared.volume.pixel_aspect if self._prepared else 1.0
            view.pan_x = start.pan_x + delta.x() / scale
            view.pan_y = start.pan_y + delta.y() / (scale * aspect)
            self.view_changed.emit()
            self.update()
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag_button is not None and event.button() == self._drag_button:
            self._drag_button = None
            self._drag_view = None
            self.unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if steps == 0 or self._view is None:
            return
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(ZOOM_STEP**steps, event.position())
        else:
            self.step_slice(-1 if steps > 0 else 1)
        event.accept()

    def contextMenuEvent(self, event) -> None:  # noqa: N802  # type: ignore[no-untyped-def]
        event.accept()  # right button is window/level: never a context menu
