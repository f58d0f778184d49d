"""Memory figures of the current process, for the hardening workers (run as scripts from this folder).

``VmHWM`` is the peak RSS of this process image; ``ru_maxrss`` would also count the forking parent's
peak, which Linux carries across ``execve``, so it is only the fallback where ``/proc`` is missing.
"""

from __future__ import annotations

import resource


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def vm_size_bytes() -> int:
    """Virtual memory size of this process (``VmSize``), 0 where unknown."""
    kib = _status_kib("VmSize")
    return 0 if kib is None else kib * 1024


def peak_rss_mb() -> float:
    """Peak RSS of this process image in MiB (``VmHWM``; ``ru_maxrss`` where ``/proc`` is missing)."""
    kib = _status_kib("VmHWM")
    if kib is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return kib / 1024.0


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0, ``clear_refs`` value 5); returns whether it worked."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False
