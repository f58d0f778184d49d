"""The bundled sample study: reproducible bit for bit from its generator, loadable, and free of trivial cues."""

from __future__ import annotations

import csv
import importlib.util
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from turingview.imaging import load_image
from turingview.imaging.display import render_slice

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
COLUMNS = [
    "path",
    "truth",
    "generator",
    "generator_version",
    "modality",
    "patient",
    "sex",
    "age_band",
    "site",
    "scanner",
    "role",
    "case_id",
]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_sample", SAMPLE / "generate_sample.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with (SAMPLE / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def test_generator_reproduces_the_committed_files_bit_for_bit(tmp_path: Path) -> None:
    module = _generator()
    rows = module.generate(tmp_path, module.DEFAULT_SEED)
    assert len(rows) == 36
    assert module.digest(tmp_path) == module.digest(SAMPLE)
    for row in rows:
        assert (tmp_path / row["path"]).read_bytes() == (SAMPLE / row["path"]).read_bytes(), row["path"]


def test_another_seed_gives_other_synthetic_images(tmp_path: Path) -> None:
    module = _generator()
    source = module.SOURCES[0]
    image, _, _ = module.load_source(source)
    a = module.synthesise(image, "ddpm-sim", np.random.default_rng(1))
    b = module.synthesise(image, "ddpm-sim", np.random.default_rng(2))
    again = module.synthesise(image, "ddpm-sim", np.random.default_rng(1))
    assert np.array_equal(a, again) and not np.array_equal(a, b)
    # plausible but not identical: close to the source, never a copy
    for generator in ("ddpm-sim", "gan-sim"):
        fake = module.synthesise(image, generator, np.random.default_rng(5))
        assert not np.allclose(fake, image)
        assert np.corrcoef(fake.ravel(), image.ravel())[0, 1] > 0.8


def test_manifest_design(rows: list[dict[str, str]]) -> None:
    study = [r for r in rows if r["role"] == "study"]
    training = [r for r in rows if r["role"] == "training"]
    assert len(study) == 32 and len(training) == 4
    assert sum(r["truth"] == "real" for r in study) == 16
    generators = defaultdict(int)
    for r in study:
        if r["truth"] == "synthetic":
            generators[(r["generator"], r["generator_version"])] += 1
        else:
            assert r["generator"] == "" and r["generator_version"] == ""
    assert generators == {("ddpm-sim", "1.2"): 8, ("gan-sim", "0.9"): 8}
    for r in rows:  # file names say nothing about truth or generator
        name = Path(r["path"]).name.lower()
        assert not any(word in name for word in ("real", "synth", "fake", "gan", "ddpm"))
    # every synthetic case shares its patient group with a real one (grouped folds keep pairs together)
    real_patients = {r["patient"] for r in rows if r["truth"] == "real"}
    assert {r["patient"] for r in rows if r["truth"] == "synthetic"} <= real_patients
    total = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert total < 5 * 1024 * 1024


def test_every_case_loads_with_the_same_format_per_modality(rows: list[dict[str, str]]) -> None:
    layout: dict[tuple[str, str], set[tuple[object, ...]]] = defaultdict(set)
    for r in rows:
        volume = load_image(SAMPLE / r["path"])
        image = render_slice(volume, volume.middle_slice)
        assert image.dtype == np.uint8 and image.std() > 0
        kind = (r["modality"], Path(r["path"]).suffix)
        layout[kind].add((volume.source_format, volume.pixels.shape, str(volume.pixels.dtype), r["truth"]))
    for kind, seen in layout.items():
        formats = {s[:3] for s in seen}
        assert len(formats) == 1, f"{kind}: real and synthetic differ in format/shape/dtype: {formats}"
        assert {s[3] for s in seen} == {"real", "synthetic"}


def test_synthetic_dicom_headers_carry_the_documented_cues(rows: list[dict[str, str]]) -> None:
    import pydicom

    for r in rows:
        if not r["path"].endswith(".dcm"):
            continue
        ds = pydicom.dcmread(SAMPLE / r["path"], stop_before_pixels=True)
        if r["truth"] == "synthetic":
            assert "Manufacturer" not in ds and ds.ImageType[0] == "DERIVED"
        else:
            assert ds.ImageType[0] == "ORIGINAL"
        assert str(ds.PatientName) == "ANONYMOUS"
