"""Nothing executes from study files: no unpickling, no eval/exec, no unsafe YAML or torch loading anywhere in
the source, and a manifest whose fields hold code is stored as plain text."""

from __future__ import annotations

import ast
import csv
from pathlib import Path

import pytest

from .conftest import REPO, SAMPLE_MANIFEST

SOURCE = REPO / "app" / "turingview"

#: Modules whose loading executes code from the data.
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "marshal", "shelve", "joblib"}
#: Calls that evaluate text as code.
UNSAFE_BUILTINS = {"eval", "exec", "compile", "__import__"}


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def scan(source: str, filename: str = "<src>") -> list[str]:
    """Every unsafe construct in ``source``: ``file:line: what``."""
    tree = ast.parse(source, filename)
    aliases: dict[str, str] = {}
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
                if alias.name.split(".")[0] in UNSAFE_MODULES:
                    found.append(f"{filename}:{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            if node.module.split(".")[0] in UNSAFE_MODULES:
                found.append(f"{filename}:{node.lineno}: from {node.module} import ...")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func, aliases)
        if name is None:
            continue
        where = f"{filename}:{node.lineno}"
        if name in UNSAFE_BUILTINS or name in {f"builtins.{b}" for b in UNSAFE_BUILTINS}:
            static = node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
            if not (name.endswith("__import__") and static):  # __import__("json") names a fixed module
                found.append(f"{where}: {name}()")
        elif name in ("yaml.load", "yaml.load_all", "yaml.unsafe_load", "yaml.full_load"):
            loader = _kw(node, "Loader") or (node.args[1] if len(node.args) > 1 else None)
            loader_name = _dotted(loader, aliases) if loader is not None else None
            if not (loader_name or "").endswith(("SafeLoader", "CSafeLoader")):
                found.append(f"{where}: {name}() without SafeLoader")
        elif name == "torch.load" and not _is_true(_kw(node, "weights_only")):
            found.append(f"{where}: torch.load() without weights_only=True")
        elif name in ("numpy.load", "np.load") and _is_true(_kw(node, "allow_pickle")):
            found.append(f"{where}: {name}(allow_pickle=True)")
        elif name in ("pandas.read_pickle", "pd.read_pickle", "numpy.lib.format.read_array"):
            found.append(f"{where}: {name}()")
        elif name in ("os.system", "subprocess.getoutput") or (
            name.startswith("subprocess.") and _is_true(_kw(node, "shell"))
        ):
            found.append(f"{where}: {name}(shell)")
    return found


def test_scanner_catches_every_pattern() -> None:
    """The scanner itself works: each unsafe form is reported, each safe form is not."""
    unsafe = """
import pickle
import marshal as m
from joblib import load
import torch, yaml, numpy as np, subprocess
import torch as th
x = eval("1")
exec("y = 2")
th.load("model.pt")
torch.load("model.pt", weights_only=False)
yaml.load(text)
yaml.load(text, Loader=yaml.Loader)
np.load("a.npy", allow_pickle=True)
subprocess.run("ls", shell=True)
mod = __import__(name_from_manifest)
"""
    safe = """
import torch, yaml, numpy as np, json, subprocess
torch.load("model.pt", weights_only=True)
yaml.safe_load(text)
yaml.load(text, Loader=yaml.SafeLoader)
np.load("a.npy")
json.loads("{}")
subprocess.run(["ls"])
json_module = __import__("json")
"""
    hits = scan(unsafe)
    assert len(hits) == 12, hits
    assert scan(safe) == []


def test_source_never_executes_data() -> None:
    files = sorted(SOURCE.rglob("*.py"))
    assert len(files) > 30
    found = [hit for path in files for hit in scan(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))]
    assert not found, "code-executing constructs in the source:\n" + "\n".join(found)


PAYLOADS = {
    "generator": "__import__('os').system('touch {marker}')",
    "site": "{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}",
    "scanner": "!!python/object/apply:os.system ['touch {marker}']",
    "protocol_note": "'; DROP TABLE rating; --",
    "case_id": "<script>alert(1)</script>",
}


def test_manifest_fields_with_code_are_stored_as_text(sqlite_url: str, tmp_path: Path) -> None:
    """A manifest carrying Python, Jinja, YAML tags, SQL and HTML in its fields: the study is created, every
    value comes back verbatim from the coordinator's case table, and nothing ran (no marker file)."""
    if not SAMPLE_MANIFEST.exists():
        pytest.skip("sample_data/manifest.csv is not in this checkout")
    from turingview.study import case_records, create_study

    marker = tmp_path / "pwned"
    values = {k: v.format(marker=marker) for k, v in PAYLOADS.items()}
    with SAMPLE_MANIFEST.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    study_rows = [r for r in rows if r["role"] == "study"]
    first_synthetic = next(r for r in study_rows if r["truth"] == "synthetic")
    out_rows = []
    for row in study_rows:
        row = dict(row, path=str((SAMPLE_MANIFEST.parent / row["path"]).resolve()))
        row["protocol_note"] = ""
        if row is not None and row["case_id"] == first_synthetic["case_id"]:
            row.update(values)
        out_rows.append(row)
    manifest = tmp_path / "manifest.csv"
    with manifest.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(out_rows[0]))
        writer.writeheader()
        writer.writerows(out_rows)

    create_study(sqlite_url, "code-in-fields", manifest=manifest, readers=["r1"], seed=3)
    records = {r["case_id"]: r for r in case_records(sqlite_url, "code-in-fields")}
    stored = records[values["case_id"]]
    for key in ("generator", "site", "scanner", "protocol_note"):
        assert stored[key] == values[key], key
    assert not marker.exists(), "a manifest field was executed"
    assert len(records) == len(out_rows)
