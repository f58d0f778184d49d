"""Named CT window presets, as data.

Values (level = centre, width in Hounsfield units) are the commonly taught window settings listed in
Radiopaedia's "Windowing (CT)" article (Murphy A, Baba Y, et al., https://radiopaedia.org/articles/52108,
revision of 2023): brain W:80 L:40, subdural W:130-300 L:50-100, stroke W:8 L:32 or W:40 L:40,
lungs W:1500 L:-600, mediastinum W:350 L:50, soft tissues W:350-400 L:20-60, liver W:150 L:30,
bone W:1800 L:400. Where the article gives a range we take a value inside it (soft tissue/abdomen
W:400 L:50, subdural W:215 L:75). All are LINEAR windows (PS3.3 C.11.2.1.2.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from turingview.imaging.volume import Window

__all__ = ["PRESETS", "preset"]


def _w(name: str, center: float, width: float) -> Window:
    return Window(center=center, width=width, function="LINEAR", name=name)


_MEDIASTINUM = _w("ct-mediastinum", 50, 350)

#: Preset name -> Window. ``ct-soft-tissue`` is an alias of ``ct-mediastinum``.
PRESETS: Mapping[str, Window] = MappingProxyType(
    {
        "ct-lung": _w("ct-lung", -600, 1500),
        "ct-mediastinum": _MEDIASTINUM,
        "ct-soft-tissue": _MEDIASTINUM,
        "ct-abdomen": _w("ct-abdomen", 50, 400),
        "ct-liver": _w("ct-liver", 30, 150),
        "ct-bone": _w("ct-bone", 400, 1800),
        "ct-brain": _w("ct-brain", 40, 80),
        "ct-subdural": _w("ct-subdural", 75, 215),
        "ct-stroke": _w("ct-stroke", 40, 40),
    }
)


def preset(name: str) -> Window:
    """Look up a preset by name (case-insensitive; ``_`` and spaces read as ``-``).

    Raises
    ------
    KeyError
        Naming the unknown preset and the known ones.
    """
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    if key in PRESETS:
        return PRESETS[key]
    raise KeyError(f"unknown window preset {name!r}; known: {', '.join(sorted(PRESETS))}")
