"""The realism check's result, its verdict rule and its JSON form (numpy only)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from turingview.realism.metrics import AucEstimate, C2stTest

__all__ = ["POWER_REQUIRED", "RealismResult", "decide_verdict"]

#: A non-significant test with less power than this to detect accuracy 0.6 is "inconclusive".
POWER_REQUIRED = 0.8
ALPHA = 0.05


def decide_verdict(
    main: AucEstimate, c2st: C2stTest, control: AucEstimate | None, lowpass: AucEstimate | None
) -> tuple[str, list[str]]:
    """Verdict and the reasons behind it.

    * ``"detectable"``: the C2ST rejects chance (``p < 0.05``) *and* the AUC interval lies above 0.5.
    * ``"inconclusive"``: not detectable, but the test had power < 0.8 to detect accuracy 0.6 (too few
      images), or the real-versus-real control separated two halves of the real set (its AUC interval lies
      above 0.5: the classifier picks up patient, site or batch effects, so a null result means nothing).
    * ``"realistic"``: not detectable by a test with power >= 0.8 and a clean control. This is a statement
      about this classifier at this sample size, not proof that the images are indistinguishable.
    """
    reasons: list[str] = []
    control_failed = control is not None and control.ci_low > 0.5
    if c2st.p_value < ALPHA and main.ci_low > 0.5:
        verdict = "detectable"
        reasons.append(
            f"the classifier tells synthetic from real: AUC {main.estimate:.3f} "
            f"(95% CI {main.ci_low:.3f}-{main.ci_high:.3f}), accuracy {c2st.accuracy:.3f}, p = {c2st.p_value:.2g}"
        )
        if lowpass is not None:
            if lowpass.ci_low > 0.5:
                reasons.append(
                    f"differences survive low-pass filtering (AUC {lowpass.estimate:.3f}): not only pixel texture"
                )
            else:
                reasons.append(
                    f"differences vanish after low-pass filtering (AUC {lowpass.estimate:.3f}): "
                    "fine texture gives them away"
                )
        if control_failed:
            reasons.append("caution: the real-versus-real control was separable too (site, batch or patient effects)")
    elif c2st.power < POWER_REQUIRED:
        verdict = "inconclusive"
        reasons.append(
            f"no significant difference, but {c2st.n_test} test images give only {c2st.power:.2f} power to detect "
            f"accuracy {c2st.power_at:.1f} (needs {POWER_REQUIRED:.1f}): add images"
        )
    elif control_failed:
        verdict = "inconclusive"
        reasons.append(
            f"the real-versus-real control separated two halves of the real set (AUC {control.estimate:.3f}), "  # type: ignore[union-attr]
            "so the classifier learns patient or site effects"
        )
    else:
        verdict = "realistic"
        reasons.append(
            f"the classifier could not tell synthetic from real (AUC {main.estimate:.3f}, 95% CI "
            f"{main.ci_low:.3f}-{main.ci_high:.3f}, p = {c2st.p_value:.2g}) with power {c2st.power:.2f} "
            f"to detect accuracy {c2st.power_at:.1f}"
        )
    return verdict, reasons


def _auc_dict(est: AucEstimate | None) -> dict[str, Any] | None:
    if est is None:
        return None
    return {
        "auc": est.estimate,
        "ci": [est.ci_low, est.ci_high],
        "se": est.se,
        "method": est.method,
        "n_pos": est.n_pos,
        "n_neg": est.n_neg,
    }


@dataclass(frozen=True)
class RealismResult:
    """Everything the realism check found.

    ``to_dict()`` gives the JSON stored with the study (keys ``auc``, ``auc_ci``, ``accuracy``, ``p_value``,
    ``n_test``, ``power``, ``control_auc``, ``lowpass_auc``, ``spectral_auc``, ``per_image``, ``verdict``,
    ``device``, ``config``, ``folds``, ``memorisation`` and more). The arrays (``images``, ``saliency``,
    ``spectrum``) feed the plots and are not part of the JSON.
    """

    main: AucEstimate
    c2st: C2stTest
    control: AucEstimate | None
    lowpass: AucEstimate | None
    spectral: AucEstimate
    verdict: str
    reasons: list[str]
    per_image: list[dict[str, Any]]
    folds: dict[str, Any]
    memorisation: dict[str, Any]
    top_synthetic: list[dict[str, Any]]
    spectrum: dict[str, np.ndarray]
    device: dict[str, Any]
    config: dict[str, Any]
    versions: dict[str, Any]
    timings: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    roc: dict[str, np.ndarray] = field(default_factory=dict)
    saliency: np.ndarray | None = None  # (k, S, S) maps of the top synthetic images
    saliency_images: np.ndarray | None = None  # (k, S, S) the images themselves, [0, 1]

    @property
    def auc(self) -> float:
        return self.main.estimate

    @property
    def auc_ci(self) -> tuple[float, float]:
        return self.main.ci

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready result (plain floats, lists and dicts)."""
        out: dict[str, Any] = {
            "schema": "turingview.realism/1",
            "verdict": self.verdict,
            "verdict_reasons": list(self.reasons),
            "auc": self.main.estimate,
            "auc_ci": [self.main.ci_low, self.main.ci_high],
            "auc_se": self.main.se,
            "auc_ci_method": self.main.method,
            "accuracy": self.c2st.accuracy,
            "balanced_accuracy": self.c2st.balanced_accuracy,
            "p_value": self.c2st.p_value,
            "n_test": self.c2st.n_test,
            "n_real": self.main.n_neg,
            "n_synthetic": self.main.n_pos,
            "power": self.c2st.power,
            "power_at_accuracy": self.c2st.power_at,
            "alpha": self.c2st.alpha,
            "control_auc": None if self.control is None else self.control.estimate,
            "control_auc_ci": None if self.control is None else [self.control.ci_low, self.control.ci_high],
            "lowpass_auc": None if self.lowpass is None else self.lowpass.estimate,
            "lowpass_auc_ci": None if self.lowpass is None else [self.lowpass.ci_low, self.lowpass.ci_high],
            "spectral_auc": self.spectral.estimate,
            "spectral_auc_ci": [self.spectral.ci_low, self.spectral.ci_high],
            "tests": {
                "classifier": _auc_dict(self.main),
                "control_real_vs_real": _auc_dict(self.control),
                "lowpass": _auc_dict(self.lowpass),
                "spectral": _auc_dict(self.spectral),
            },
            "per_image": self.per_image,
            "top_synthetic": self.top_synthetic,
            "spectrum": {k: np.asarray(v).tolist() for k, v in self.spectrum.items()},
            "memorisation": self.memorisation,
            "folds": self.folds,
            "device": self.device,
            "config": self.config,
            "versions": self.versions,
            "timings_s": self.timings,
            "warnings": list(self.warnings),
        }
        return _jsonable(out)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    def write_json(self, path: str | Path) -> Path:
        """Write :meth:`to_json` atomically (temporary file, then rename)."""
        path = Path(path)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        tmp.replace(path)
        return path


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
