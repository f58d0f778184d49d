"""Gathering the cases of a new study: a manifest CSV, real/synthetic folders, training rows.

Everything is checked before anything is written (:func:`gather`): missing paths, bad truth or role labels,
a real case naming a generator, duplicate paths and duplicate *content* (SHA-256 of the file, or of the
sorted file digests of a series folder) across or within classes. Each problem names the row or file.

Manifest columns: ``path`` (relative to the manifest's folder) and ``truth`` are required; ``generator``,
``generator_version``, ``modality``, ``patient``, ``sex``, ``age_band``, ``site``, ``scanner``, ``role``
(``study`` or ``training``) and ``case_id`` are optional; any other column is kept as a subgroup field.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from turingview.core.domain import Truth
from turingview.core.errors import ImportProblemsError

KNOWN = ("path", "truth", "generator", "generator_version", "modality", "patient", "sex", "age_band", "site",
         "scanner", "role", "case_id")
SUBGROUP_FIELDS = ("patient", "sex", "age_band", "site", "scanner")
_SKIP_NAMES = {"manifest.csv", "readme", "readme.md", "readme.txt", "license", ".ds_store", "thumbs.db"}
_SKIP_SUFFIXES = (".csv", ".txt", ".md", ".json", ".yaml", ".yml", ".img")  # .img is read through its .hdr


@dataclass
class CaseSpec:
    """One case to import, before it is stored."""

    source: str  # "manifest.csv row 4" or the folder it was found in, for messages
    path: Path
    truth: Truth
    is_training: bool = False
    generator: str | None = None
    generator_version: str | None = None
    modality: str | None = None
    label: str = ""
    subgroups: dict[str, str | None] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    sha256: str = ""
    explicit_label: bool = False  # the manifest named it (case_id): a repeat is an error, not a collision


def read_manifest_rows(manifest: Path) -> list[dict[str, str]]:
    """Rows of a manifest CSV (UTF-8, BOM tolerated), keys lower-cased and stripped."""
    try:
        with manifest.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None:
                raise ImportProblemsError([f"{manifest}: empty manifest (no header row)"], what="manifest import")
            rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
                    for row in reader]
            fields = [(f or "").strip().lower() for f in reader.fieldnames]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        problem = f"{manifest}: cannot read the manifest ({error})"
        raise ImportProblemsError([problem], what="manifest import") from error
    missing = [c for c in ("path", "truth") if c not in fields]
    if missing:
        raise ImportProblemsError([f"{manifest}: missing required column(s) {', '.join(missing)}"],
                                  what="manifest import")
    return rows


def specs_from_rows(rows: Iterable[Mapping[str, str]], base: Path, source: str, *, training: bool = False,
                    problems: list[str]) -> list[CaseSpec]:
    """Case specs from manifest-style rows; problems are appended to ``problems``."""
    specs = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        where = f"{source} row {number}"
        raw_path = (row.get("path") or "").strip()
        if not raw_path:
            problems.append(f"{where}: missing path")
            continue
        path = Path(raw_path).expanduser()
        path = path if path.is_absolute() else base / path
        try:
            truth = Truth.parse(row.get("truth", ""))
        except ValueError as error:
            problems.append(f"{where} ({raw_path}): {error}")
            continue
        role = (row.get("role") or ("training" if training else "study")).strip().lower()
        if role not in ("study", "training"):
            problems.append(f"{where} ({raw_path}): unknown role {row.get('role')!r}: expected 'study' or 'training'")
            continue
        generator = (row.get("generator") or "").strip() or None
        if truth is Truth.REAL and generator:
            problems.append(f"{where} ({raw_path}): a real case cannot name a generator ({generator!r})")
            continue
        if not path.exists():
            problems.append(f"{where}: {path}: no such file or folder")
            continue
        extra = {k: v for k, v in row.items() if k not in KNOWN and k and v}
        specs.append(CaseSpec(
            source=where, path=path, truth=truth, is_training=role == "training" or training,
            generator=generator, generator_version=(row.get("generator_version") or "").strip() or None,
            modality=(row.get("modality") or "").strip().upper() or None,
            label=(row.get("case_id") or "").strip() or raw_path,
            explicit_label=bool((row.get("case_id") or "").strip()),
            subgroups={k: (row.get(k) or "").strip() or None for k in SUBGROUP_FIELDS}, extra=extra))
    return specs


def specs_from_dir(folder: Path, truth: Truth, problems: list[str]) -> list[CaseSpec]:
    """One case per image file or series sub-folder directly inside ``folder``."""
    if not folder.is_dir():
        problems.append(f"{folder}: not a folder")
        return []
    specs = []
    for entry in sorted(folder.iterdir()):
        name = entry.name.lower()
        if name.startswith(".") or name in _SKIP_NAMES or (entry.is_file() and name.endswith(_SKIP_SUFFIXES)):
            continue
        specs.append(CaseSpec(source=str(folder), path=entry, truth=truth, label=f"{folder.name}/{entry.name}",
                              generator=folder.name if truth is Truth.SYNTHETIC else None))
    if not specs:
        problems.append(f"{folder}: no images found")
    return specs


def content_sha256(path: Path) -> str:
    """SHA-256 of a file, or of the sorted (name, digest) pairs of a series folder."""
    if path.is_dir():
        outer = hashlib.sha256()
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            outer.update(str(file.relative_to(path)).encode() + b"\0" + bytes.fromhex(content_sha256(file)))
        return outer.hexdigest()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if path.suffix.lower() == ".hdr":  # Analyze pair: the pixels live in the .img
        img = path.with_suffix(".img")
        if img.exists():
            digest.update(bytes.fromhex(content_sha256(img)))
    return digest.hexdigest()


def check_and_hash(specs: Sequence[CaseSpec], problems: list[str], *,
                   tick: Callable[[str], None] | None = None) -> None:
    """Hash every case's content and report duplicate paths, labels and content (in place)."""
    by_path: dict[Path, CaseSpec] = {}
    by_hash: dict[str, CaseSpec] = {}
    labels: dict[str, int] = {}
    for spec in specs:
        resolved = spec.path.resolve()
        if resolved in by_path:
            problems.append(f"{spec.source}: {spec.path}: listed twice (also {by_path[resolved].source})")
            continue
        by_path[resolved] = spec
        try:
            spec.sha256 = content_sha256(spec.path)
        except OSError as error:
            problems.append(f"{spec.source}: {spec.path}: cannot read ({error.strerror or error})")
            continue
        other = by_hash.get(spec.sha256)
        if other is not None:
            kinds = f"{other.truth.value} and {spec.truth.value}"
            problems.append(f"{spec.source}: {spec.path}: duplicate content ({kinds}) of {other.path} ({other.source})")
        else:
            by_hash[spec.sha256] = spec
        count = labels.get(spec.label, 0)
        labels[spec.label] = count + 1
        if count and spec.explicit_label:
            problems.append(f"{spec.source}: case_id {spec.label!r} is used by another row")
        elif count:
            spec.label = f"{spec.label}#{count + 1}"
        if tick is not None:
            tick(str(spec.path))
