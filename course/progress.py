"""Progress of a whole cohort on stderr, with no dependency: done / running / failed, the ETA
and each worker's throughput. Redrawn in place on a terminal, one line per step otherwise
(CI logs). The Dask dashboard shows the same run from the cluster's side."""

import sys
import time


def _duration(seconds: float) -> str:
    """``1h02m``, ``3m05s`` or ``12s``."""
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class Progress:
    """Counts finished submissions out of ``total``; :meth:`step` redraws the line."""

    def __init__(self, total: int, label: str = "grading", stream=None, width: int = 20):
        self.total, self.label, self.width = total, label, width
        self.stream = stream or sys.stderr
        self.done = self.failed = 0
        self.per_worker: dict[str, list[float]] = {}  # worker -> seconds of each submission it graded
        self.start = time.monotonic()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def eta(self) -> float | None:
        """Seconds left at the pace so far (None before the first result)."""
        if not self.done:
            return None
        return (time.monotonic() - self.start) / self.done * (self.total - self.done)

    def throughput(self) -> str:
        """Submissions per minute of each worker so far, e.g. ``w1 4.1/min``."""
        minutes = max(1e-9, (time.monotonic() - self.start) / 60)
        return ", ".join(f"{w.split('://')[-1]} {len(s) / minutes:.1f}/min"
                         for w, s in sorted(self.per_worker.items()))

    def step(self, note: str = "", failed: bool = False, running: int = 0, worker: str | None = None,
             seconds: float | None = None) -> None:
        """One more submission finished (``failed`` or not); ``running`` are still being graded."""
        self.done += 1
        self.failed += bool(failed)
        if worker:
            self.per_worker.setdefault(worker, []).append(seconds or 0.0)
        filled = int(self.width * self.done / max(1, self.total))
        bar = "#" * filled + "-" * (self.width - filled)
        eta = self.eta()
        line = (f"{self.label} [{bar}] {self.done}/{self.total} done, {running} running, {self.failed} failed, "
                f"{_duration(time.monotonic() - self.start)}"
                + (f", ETA {_duration(eta)}" if eta is not None and self.done < self.total else "")
                + (f" | {self.throughput()}" if self.per_worker else "") + f" | {note}")
        if self.tty:
            self.stream.write("\r\033[K" + line[:200])
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
