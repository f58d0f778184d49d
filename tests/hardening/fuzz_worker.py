"""Fuzz worker: loads image files in a separate, memory-limited process and reports each outcome.

Run by :mod:`tests.hardening._fuzz` (never imported by pytest). Protocol, one line each way:

- stdin: a path to load;
- stdout (a private copy of fd 1; the real fd 1 goes to stderr so C libraries cannot corrupt the stream):
  a JSON object ``{"outcome": "loaded" | "typed" | "untyped", "error": ..., "chain": [...],
  "maxrss_mb": ..., "rss_before_mb": ..., "peak_is_per_case": ..., "seconds": ...}``. ``maxrss_mb`` is the
  peak RSS during this case when ``peak_is_per_case`` (VmHWM is reset before each case), else over the
  worker's life.

``loaded`` means :func:`turingview.imaging.load_image` returned a volume *and* its middle slice rendered to a
uint8 image of the volume's shape; ``typed`` means it raised :class:`ImageLoadError` (or a subclass);
anything else is ``untyped`` (a bug). A segfault or abort ends the process: the parent sees the signal.

The address space is limited with ``RLIMIT_AS`` to the start-up size plus ``--headroom-mb``, so an input
that makes a reader allocate gigabytes fails here instead of swapping the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import time
import traceback

from process_memory import peak_rss_mb, reset_peak_rss, vm_size_bytes


def _chain(exc: BaseException) -> list[str]:
    names: list[str] = []
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        names.append(type(node).__name__)
        node = node.__cause__ or node.__context__
    return names


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--headroom-mb", type=int, default=1536)
    parser.add_argument("--warmup", action="append", default=[])
    args = parser.parse_args()

    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # anything a C decoder prints goes to stderr, not into the protocol
    sys.stdout = sys.stderr

    import numpy as np

    from turingview.core.errors import ImageLoadError
    from turingview.imaging import load_image
    from turingview.imaging.display import render_slice

    for path in args.warmup:  # import every decoder plugin before the limit is set
        with contextlib.suppress(ImageLoadError):
            render_slice(volume := load_image(path), volume.middle_slice)
    limit = vm_size_bytes() + args.headroom_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    protocol.write(json.dumps({"ready": True, "limit_mb": limit / 2**20, "maxrss_mb": peak_rss_mb()}) + "\n")

    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        peak_is_per_case = reset_peak_rss()
        rss_before = peak_rss_mb()
        start = time.perf_counter()
        report: dict[str, object]
        try:
            volume = load_image(path)
            image = render_slice(volume, volume.middle_slice)
            expected = (volume.rows, volume.cols, 3) if volume.is_color else (volume.rows, volume.cols)
            if image.dtype != np.uint8 or image.shape != expected:
                report = {"outcome": "untyped", "error": f"render gave {image.dtype} {image.shape}, not {expected}"}
            else:
                report = {"outcome": "loaded", "shape": list(volume.pixels.shape)}
        except ImageLoadError as exc:
            report = {"outcome": "typed", "error": str(exc)[:300], "chain": _chain(exc)}
        except BaseException as exc:
            report = {
                "outcome": "untyped",
                "error": f"{type(exc).__name__}: {exc}"[:300],
                "traceback": traceback.format_exc()[-2000:],
            }
        report["seconds"] = time.perf_counter() - start
        report["maxrss_mb"] = peak_rss_mb()
        report["rss_before_mb"] = rss_before
        report["peak_is_per_case"] = peak_is_per_case
        protocol.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
