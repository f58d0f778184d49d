"""What the reader screens need from the layers below, as an injected interface.

The UI must not import the study/storage stack (only ``storage`` may reach SQLAlchemy, even indirectly), so
the command line (the top layer) builds a :class:`ReaderBackend` and hands it to the screens. Each method
may raise :class:`~turingview.core.errors.TuringViewError`; the screens show it at their one boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from turingview.core.ports import ReadingSource


@dataclass(frozen=True)
class StudyChoice:
    """A study offered on the start screen: its name, status word and reader ids (if known)."""

    name: str
    status: str
    readers: tuple[str, ...] = ()


class ReaderBackend(Protocol):
    """Opens reading sources for the start screen."""

    def describe(self) -> str:
        """Where studies come from, in words (for the start screen), without credentials."""
        ...

    def list_studies(self) -> Sequence[StudyChoice]:
        """Studies in the database."""
        ...

    def open_source(self, study_name: str, reader_id: str) -> ReadingSource:
        """A reading source for one reader of one study in the database."""
        ...

    def open_package(self, path: Path) -> ReadingSource:
        """A reading source over a reader package file."""
        ...
