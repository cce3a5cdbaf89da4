"""A progress bar on stderr with no dependency: redrawn in place on a terminal, one line per
step otherwise (CI logs)."""

import sys
import time


class Progress:
    """Counts finished steps out of ``total``; :meth:`step` redraws the bar."""

    def __init__(self, total: int, label: str = "grading", stream=None, width: int = 28):
        self.total, self.label, self.width = total, label, width
        self.stream = stream or sys.stderr
        self.done = 0
        self.start = time.monotonic()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def step(self, note: str = "") -> None:
        """One more step finished; ``note`` says which and how it went."""
        self.done += 1
        filled = int(self.width * self.done / max(1, self.total))
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.monotonic() - self.start
        line = f"{self.label} [{bar}] {self.done}/{self.total} {elapsed:5.0f}s  {note}"
        if self.tty:
            self.stream.write("\r\033[K" + line[:150])
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
