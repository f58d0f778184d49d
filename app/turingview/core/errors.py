"""The typed error hierarchy.

Every error a user can cause or meet derives from :class:`TuringViewError`. The CLI and the GUI catch
``TuringViewError`` at one boundary and show ``str(error)``: one line that names the file, row or value
at fault and the reason. Anything else reaching the boundary is a bug and is reported as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class TuringViewError(Exception):
    """Base class of every expected, user-facing error."""

    exit_code: int = 1


class InvalidInputError(TuringViewError, ValueError):
    """Input data (a manifest row, a ratings CSV row, an option value) is malformed."""

    exit_code = 2


class ImageLoadError(TuringViewError):
    """An image file cannot be read or displayed.

    Parameters
    ----------
    path
        The file (or directory) at fault.
    reason
        Why it cannot be loaded, in words a coordinator understands.
    """

    exit_code = 3

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnsupportedImageError(ImageLoadError):
    """The file is readable but holds something TuringView cannot display (no pixel data, unknown codec)."""


class StorageError(TuringViewError):
    """The database cannot be opened, read or written (disk full, read-only, corrupt, unreachable)."""

    exit_code = 4


class DuplicateRatingError(StorageError):
    """A rating for the same (assignment, position, revision) already exists; the repeat is refused."""


class NotFoundError(TuringViewError, LookupError):
    """A named study, reader, case or file does not exist."""

    exit_code = 5


class IntegrityError(TuringViewError):
    """Stored data fails verification: a broken audit chain, a tampered or foreign reader package."""

    exit_code = 6


class BlindingError(TuringViewError):
    """An operation would reveal truth or source information to the reader's side."""

    exit_code = 7


class StudyStateError(TuringViewError):
    """The operation is not allowed in the study's or session's current state."""

    exit_code = 8


class ImportProblemsError(InvalidInputError):
    """An all-or-nothing import found problems; nothing was written.

    Parameters
    ----------
    problems
        One line per problem, each naming the file or row and the reason.
    """

    def __init__(self, problems: Sequence[str], *, what: str = "import") -> None:
        self.problems = list(problems)
        head = f"{what} refused, nothing was written: {len(self.problems)} problem(s)"
        super().__init__(head + "".join(f"\n  - {p}" for p in self.problems))


class CancelledError(TuringViewError):
    """A long task was cancelled by the user; whatever it had started was rolled back."""

    exit_code = 130
