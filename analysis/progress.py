"""Progress of the report's long sections: a bar with the time left on a terminal, one line per step elsewhere.

On a terminal (``stream.isatty()``) the line is rewritten in place, as ``fastact bench`` does:
``report: sweeps [#####.....] 12/24 gelu, 1 min 10 s left``; the time left is the elapsed time
scaled by the remaining share of steps (steps of one section take similar time).  In a log
file or a pipe each step is one line, ``report: sweeps 12/24 gelu``, so logs stay readable.
"""

from __future__ import annotations

import time
from typing import TextIO

WIDTH = 24


def _left(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60} min {s % 60:02d} s left" if s >= 60 else f"{s} s left"


class Progress:
    """``step(label)`` before each of ``total`` steps of the section ``name``; ``close()`` after the last."""

    def __init__(self, name: str, total: int, stream: TextIO | None) -> None:
        self.name, self.total, self.stream = name, max(total, 1), stream
        self.done, self.t0 = 0, time.perf_counter()
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())

    def step(self, label: str) -> None:
        if self.stream is None:
            self.done += 1
            return
        if self.tty:
            frac = self.done / self.total
            elapsed = time.perf_counter() - self.t0
            left = _left(elapsed / frac * (1 - frac)) if self.done else "estimating time left"
            bar = "#" * int(WIDTH * frac)
            line = f"report: {self.name} [{bar:.<{WIDTH}}] {self.done + 1}/{self.total} {label}, {left}"
            self.stream.write("\r" + line[:110].ljust(110))
        else:
            self.stream.write(f"report: {self.name} {self.done + 1}/{self.total} {label}\n")
        self.stream.flush()
        self.done += 1

    def close(self) -> None:
        if self.stream is not None and self.tty:
            took = time.perf_counter() - self.t0
            self.stream.write("\r" + f"report: {self.name}: {self.total} done in {took:.0f} s".ljust(110) + "\n")
            self.stream.flush()
