"""What the numbers were measured on: CPU, SIMD flags, cores, versions, threads, background load.

These machines are shared: ``Load`` records the load averages before and after a run
and the CPU time other processes used during it (system-wide busy time from
``/proc/stat`` minus the CPU time of this process and its children, per wall second, in cores).
"""

from __future__ import annotations

import glob
import os
import platform
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from typing import Any

# flags that decide which code paths numba/LLVM, NumPy and the peers can use
SIMD_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_fp16")


def cpu() -> dict[str, Any]:
    """CPU model, SIMD flags and core counts (Linux ``/proc/cpuinfo``; ``platform`` elsewhere)."""
    model, flags, ident = platform.processor() or platform.machine(), set(), {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name":
                    model = value.strip()
                elif key in ("cpu family", "model", "stepping", "cpu MHz"):
                    ident[key.replace(" ", "_")] = value.strip()
                elif key in ("flags", "Features"):
                    flags = set(value.split())
                    break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    info: dict[str, Any] = {
        "model": model,
        "flags": {f: f in flags for f in SIMD_FLAGS},
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "id": ident,  # family/model/stepping tell apart CPUs that share a marketing name
        "caches": _caches(),
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
    }
    try:
        import llvmlite.binding as llvm

        info["llvm_host_cpu"] = llvm.get_host_cpu_name()
    except Exception:  # only informative
        pass
    return info


def _caches() -> dict[str, str]:
    """Cache sizes of CPU 0 from sysfs, e.g. ``{"L1d": "32K", "L2": "512K", "L3": "32768K"}``."""
    out = {}
    for index in sorted(glob.glob("/sys/devices/system/cpu/cpu0/cache/index*")):
        try:
            level, kind, size = (open(f"{index}/{f}").read().strip() for f in ("level", "type", "size"))
        except OSError:
            continue
        out[f"L{level}" + {"Data": "d", "Instruction": "i"}.get(kind, "")] = size
    return out


def version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def versions(peers: list[str]) -> dict[str, str | None]:
    """Python, fastact and its compiler stack, and each peer library that was asked for."""
    dists = ["numpy", "numba", "llvmlite", "fastact"]
    extra = {"scipy": ["scipy"], "numexpr": ["numexpr"], "torch": ["torch"], "jax": ["jax", "jaxlib"]}
    for p in peers:
        dists += extra.get(p, [])
    out: dict[str, str | None] = {"python": sys.version.split()[0]}
    out.update({d: version(d) for d in dists})
    return out


def thread_settings(modules: dict[str, Any], threads: int) -> dict[str, Any]:
    """Thread counts: NumPy/SciPy are single-threaded; fastact's and the peers'; relevant env vars."""
    from fastact import threads as fa_threads

    env = ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_MAX_THREADS", "XLA_FLAGS"]
    env += ["FASTACT_NUM_THREADS", "NUMBA_NUM_THREADS", "NUMBA_THREADING_LAYER"]
    info: dict[str, Any] = {"numpy": 1, "peer_threads": threads}
    info["fastact"] = sorted({1, min(threads, fa_threads.max_threads())})
    info["fastact_default"] = fa_threads.get_num_threads()
    info["fastact_layer"] = fa_threads.layer()
    info["fastact_threshold"] = fa_threads.threshold()
    info["env"] = {k: os.environ[k] for k in env if k in os.environ}
    if "torch" in modules:
        info["torch_default"] = modules["torch"].get_num_threads()
        info["torch_interop"] = modules["torch"].get_num_interop_threads()
    if "numexpr" in modules:
        info["numexpr_default"] = modules["numexpr"].get_num_threads()
        info["numexpr_vml"] = bool(modules["numexpr"].use_vml)
    if "jax" in modules:
        info["jax"] = "XLA CPU thread pool (all cores)"
    return info


def _busy_jiffies() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs from /proc/stat, or None off Linux."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


@dataclass
class Load:
    """Background load over a run: call ``start()`` then ``stop()``."""

    before: tuple[float, float, float] | None = None
    after: tuple[float, float, float] | None = None
    foreign_cores: float | None = None
    _t0: float = 0.0
    _cpu0: float = 0.0
    _jiffies0: tuple[int, int] | None = None

    def start(self) -> Load:
        self.before = os.getloadavg() if hasattr(os, "getloadavg") else None
        self._t0, self._cpu0, self._jiffies0 = time.perf_counter(), _own_cpu(), _busy_jiffies()
        return self

    def stop(self) -> Load:
        self.after = os.getloadavg() if hasattr(os, "getloadavg") else None
        j1 = _busy_jiffies()
        wall = time.perf_counter() - self._t0
        if self._jiffies0 and j1 and wall > 0:
            hz = os.sysconf("SC_CLK_TCK")
            busy = (j1[0] - self._jiffies0[0]) / hz
            self.foreign_cores = max(0.0, (busy - (_own_cpu() - self._cpu0)) / wall)
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "loadavg_before": list(self.before) if self.before else None,
            "loadavg_after": list(self.after) if self.after else None,
            "foreign_cores": self.foreign_cores,
        }


def _own_cpu() -> float:
    """CPU seconds of this process and its finished children (the one-time subprocesses)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
