"""``fastact bench``: fastact's throughput side by side with np.copyto and the peers, in one run.

Usage::

    fastact bench [--functions relu,gelu ...] [--dtypes float32 ...] [--sizes 1e6,1.6e7]
                  [--shapes 1024x1024] [--forms axis-none,axis-tuple,where] [--modes out,alloc,inplace]
                  [--peers torch,jax,numpy,scipy,numexpr]
                  [--threads N] [--json F] [--csv F] [--plot F] [--markdown] [--long] [--quick]

What is measured and how: ``benchmarks.runner`` (cases, modes, order), ``benchmarks.harness``
(sampling), ``benchmarks.peers`` (the peer calls), ``benchmarks.onetime`` (import and build
costs), ``benchmarks.machine`` (machine, versions, load).  ``--forms`` adds the softmax family's
other call shapes (``runner.FORMS``) as cases of their own: ``axis-none`` (``axis=None``),
``axis-tuple`` (``axis=(0,1)``), ``where`` (a half-masked ``where=``), or ``all``; each against
SciPy, PyTorch (``masked_fill`` + softmax for the mask) and JAX (``where=``).  Bad arguments print one line
naming what was wrong and exit with status 2.  This module imports only the standard
library at import time (``fastact list`` builds the parser); the rest is imported by ``run``.

JSON (``--json F``, schema ``fastact-bench/1``), top-level fields:

* ``schema``: ``"fastact-bench/1"``.
* ``command``: the command that reproduces the run (defaults filled in); ``argv``: as typed.
* ``started``, ``finished``: ISO 8601 UTC times; ``wall_seconds``: duration of the run, of which
  ``onetime_seconds`` went to the one-time costs.
* ``settings``: ``functions``, ``dtypes``, ``sizes`` (element-wise, 1-D), ``shapes`` (softmax
  family, 2-D), ``forms`` (the softmax family's call forms, option tokens), ``modes``, ``peers``
  (asked for), ``threads`` (the multi-thread count of fastact and the peers), ``warmup``, ``samples``, ``min_sample``
  and ``max_time`` (seconds; see ``harness``), ``passes`` (times the whole run was repeated;
  each measurement keeps its best pass).
* ``machine``: ``cpu`` (``model``, ``flags``: SIMD flag -> bool, ``cores``, ``usable_cores``,
  ``id``: cpu_family/model/stepping/cpu_MHz, ``caches``: level -> size, ``machine``, ``system``,
  ``llvm_host_cpu``), ``versions`` (python, numpy, numba, llvmlite,
  fastact and each requested peer; null when not installed), ``threads`` (per library, thread
  environment variables; ``fastact``: the counts it was timed at, ``fastact_layer``: numba's
  threading layer, ``fastact_threshold``: elements below which it stays on one thread),
  ``load`` (``loadavg_before``, ``loadavg_after``: 1/5/15-minute load
  averages; ``foreign_cores``: CPU time used by other processes per wall second during the run).
* ``peers_missing``: requested peer library -> why it could not be imported.
* ``notes``: peers that do not apply or failed (e.g. no float16 kernel), one string each.
* ``onetime``: null, or ``first_call`` (``function``, ``import_numba_s``, ``import_fastact_s``,
  ``first_call_cold_cache_s``, ``first_call_warm_cache_s``, ``first_call_no_cache_s``
  (null when not measured), ``warm_repeats``) and ``build_all`` (``functions``, ``build_all_cold_cache_s``,
  ``build_all_warm_cache_s``), all in seconds, each measured in fresh interpreters; each also
  has ``sources_changed``: fastact's sources were edited meanwhile, so "warm" runs compiled,
  and ``error``: null, or which run failed and why (the last line of the child's error output;
  the times it did not measure are null).  ``onetime`` itself has an ``error`` when the step
  stopped early (Ctrl-C, exit status 130, or an unexpected exception); what it measured before
  is kept.  The throughput results are written in every case.
* ``results``: one object per measurement:

  - ``function``, ``dtype``, ``shape`` (list), ``size`` (elements);
  - ``form``: null, or a row function's call form: ``"axis=None"``, ``"axis=(0,1)"``,
    ``"where= (half masked)"`` (the tables print it after the function's name);
  - ``mode``: ``out`` (writes into a preallocated buffer), ``alloc`` (new output per call),
    ``inplace`` (output is the input buffer);
  - ``lib``: ``fastact``, ``copyto`` (``np.copyto(y, x)``, the memory-speed yardstick, listed
    under mode ``out``), ``numpy``, ``scipy``, ``numexpr``, ``torch``, ``jax``;
  - ``impl``: the call as written, with ``[alloc]`` when it allocates although a buffer was
    offered and ``[temporaries]`` when it builds intermediate arrays;
  - ``threads``: ``"1"``, ``"2"``, ... or ``"XLA"`` (JAX's own pool; fastact and the peers run
    at 1 and at ``--threads``); ``allocates``: bool;
  - ``seconds_min``, ``seconds_median``, ``seconds_max``: per-call time over the samples;
    ``spread``: (max - min) / min; ``samples``; ``calls_per_sample``;
  - ``melem_s``: elements / ``seconds_min`` / 1e6; ``gb_s``: (bytes read + bytes written) /
    ``seconds_min`` / 1e9, counting one input and one output array (no temporaries);
  - ``copy_seconds``: np.copyto's best time in the same case; ``x_copy``: ``seconds_min`` /
    ``copy_seconds`` (1 = memory speed, bigger is slower);
  - ``vs_fastact``: ``seconds_min`` / fastact's ``seconds_min`` in the same case and mode
    (> 1: fastact is faster), fastact at the row's thread count (JAX's pool: fastact's most
    threads); for fastact's own rows on several threads its one-thread time / this time (the
    speed-up from threads), null on one thread.

CSV (``--csv F``): the ``results`` rows with the same field names, ``shape`` as ``1024x1024``,
``form`` empty for plain calls.
PNG (``--plot F``): Melem/s against size per element-wise function and dtype (first mode).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import Any

from .choices import LIBS as PEERS
from .choices import MODES

DEFAULT_SIZES = (10**3, 10**4, 10**5, 10**6, 16 * 10**6)
DEFAULT_SHAPES = ((1024, 1024), (16384, 64), (64, 16384))
QUICK_SIZES = (10**6, 16 * 10**6)
ONETIME = ("none", "first", "all")
FORMS = ("axis-none", "axis-tuple", "where")  # benchmarks.runner.FORMS (its keys; kept in step by a test)


def _items(text: str) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise argparse.ArgumentTypeError("empty list")
    return items


def _choices(allowed: tuple[str, ...], what: str):
    def parse(text: str) -> list[str]:
        items = _items(text)
        bad = [t for t in items if t not in allowed]
        if bad:
            raise argparse.ArgumentTypeError(f"unknown {what} {bad[0]!r}; choose from {', '.join(allowed)}")
        return items

    return parse


def _dtypes(text: str) -> list[str]:
    from fastact.registry import DTYPES, EXTRA_DTYPES  # fastact imports numba: only when parsing

    items = _choices(DTYPES + EXTRA_DTYPES, "dtype")(text)  # bfloat16 (EXTRA_DTYPES): only when asked for
    if "bfloat16" in items:
        from fastact import bfloat16

        # importing ml_dtypes names its dtypes for NumPy: np.dtype("bfloat16") from here on
        if bfloat16.dtype() is None:
            raise argparse.ArgumentTypeError("dtype 'bfloat16' needs ml_dtypes: pip install 'fastact[bfloat16]'")
    return items


def _functions(text: str) -> list[str]:
    # the registry imports numba: only when the command runs
    from fastact.registry import DERIVATIVES, FAST, NAMES

    # derivatives as grad.<name> (element-wise ones: the VJPs take (y, dy) rows, see tests/test_grad.py),
    # the fast tier's own kernels as fast.<name>
    grads = [f"grad.{d.name}" for d in DERIVATIVES if not d.is_rowwise]
    fast = [f.path for f in FAST]
    items = _items(text)
    if items == ["all"]:
        return list(NAMES)
    if items in (["grad.all"], ["fast.all"]):
        return grads if items == ["grad.all"] else fast
    bad = [t for t in items if t not in NAMES and t not in grads and t not in fast]
    if bad:
        raise argparse.ArgumentTypeError(
            f"fastact has no function {bad[0]!r}; known: {', '.join(NAMES)}, grad.all, "
            + ", ".join(grads)
            + ", fast.all, "
            + ", ".join(fast)
        )
    return items


def _forms(text: str) -> list[str]:
    if text.strip() == "none":
        return []
    if text.strip() == "all":
        return list(FORMS)
    return _choices(FORMS, "form")(text)


def _peers(text: str) -> list[str]:
    if text.strip() == "none":
        return []
    return _choices(PEERS, "peer")(text)


def _count(text: str) -> int:
    """A positive element count: ``1000``, ``1e6``, ``1.6e7``."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad size {text!r}: not a number") from None
    if not math.isfinite(v) or v < 1 or v != int(v):
        raise argparse.ArgumentTypeError(f"bad size {text!r}: need a positive whole number of elements")
    if v > 2**31:
        raise argparse.ArgumentTypeError(f"bad size {text!r}: more than 2**31 elements")
    return int(v)


def _sizes(text: str) -> list[int]:
    return [_count(t) for t in _items(text)]


def _shapes(text: str) -> list[tuple[int, int]]:
    out = []
    for t in _items(text):
        parts = t.lower().split("x")
        if len(parts) != 2:
            raise argparse.ArgumentTypeError(f"bad shape {t!r}: write ROWSxCOLS, e.g. 1024x1024")
        rows, cols = (_count(p) for p in parts)
        out.append((rows, cols))
    return out


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {v}")
    return v


def _count_or_zero(text: str) -> int:
    return 0 if text.strip() == "0" else _positive_int(text)


def _seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(v) or v < 0:
        raise argparse.ArgumentTypeError(f"need a number of seconds >= 0, got {text!r}")
    return v


def _outfile(text: str) -> str:
    parent = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(parent):
        raise argparse.ArgumentTypeError(f"directory {parent!r} does not exist")
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text!r} is a directory")
    return text


def _default_threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``fastact bench`` (standard library only: called when the parser is built)."""
    p.formatter_class = argparse.RawDescriptionHelpFormatter

    def one_line_error(message: str) -> None:
        # argparse would print the whole usage first; one line naming the problem reads better
        p.exit(2, f"{p.prog}: error: {message} (see {p.prog} --help)\n")

    p.error = one_line_error  # type: ignore[method-assign]
    p.epilog = (
        "Lists are comma-separated and the option may be repeated. See the benchmarks.cli docstring for the JSON."
    )
    add = p.add_argument
    add(
        "--functions",
        type=_functions,
        action="extend",
        metavar="F,...",
        help="registry functions, grad.<name> derivatives or grad.all (default: all functions)",
    )
    add(
        "--dtypes",
        type=_dtypes,
        action="extend",
        metavar="D,...",
        help="float16, float32, float64 (default: all three) or bfloat16 (needs ml_dtypes)",
    )
    add("--sizes", type=_sizes, action="extend", metavar="N,...", help="1-D sizes (default: 1e3,1e4,1e5,1e6,1.6e7)")
    add(
        "--shapes",
        type=_shapes,
        action="extend",
        metavar="RxC,...",
        help="2-D shapes for softmax/log_softmax (default: 1024x1024,16384x64,64x16384)",
    )
    add(
        "--forms",
        type=_forms,
        action="extend",
        metavar="F,...",
        help="the softmax family's call forms as cases of their own: axis-none, axis-tuple, where "
        "(half masked), all or none (default: none)",
    )
    add(
        "--modes",
        type=_choices(MODES, "mode"),
        action="extend",
        metavar="M,...",
        help="out, alloc, inplace (default: all)",
    )
    add(
        "--peers",
        type=_peers,
        action="extend",
        metavar="P,...",
        help="numpy, scipy, numexpr, torch, jax or none (default: all; missing libraries are skipped)",
    )
    add(
        "--threads",
        type=_positive_int,
        help="thread count of the multi-threaded runs of fastact and the peers (default: usable cores)",
    )
    add("--json", type=_outfile, metavar="F", help="write every measurement and the machine as JSON")
    add("--csv", type=_outfile, metavar="F", help="write every measurement as CSV")
    add("--plot", type=_outfile, metavar="F", help="write a throughput-vs-size PNG")
    add("--markdown", action="store_true", help="print the tables as Markdown (for the README)")
    add("--long", action="store_true", help="also print every measurement, not only the summary")
    add(
        "--onetime",
        choices=ONETIME,
        help="one-time costs: none, first (import, first call) or all (also build every function); default all",
    )
    add(
        "--quick",
        action="store_true",
        help="float32, sizes 1e6,1.6e7, out= mode, one-time costs 'first', shorter sampling (unless given)",
    )
    add("--samples", type=_positive_int, help="samples per measurement (default 7; --quick 5)")
    add("--passes", type=_positive_int, help="run everything N times, keep each measurement's best pass (default 1)")
    add("--warmup", type=_count_or_zero, help="warm-up calls per measurement (default 2)")
    add("--min-sample", type=_seconds, metavar="S", help="minimum seconds per sample (default 0.002)")
    add("--max-time", type=_seconds, metavar="S", help="sampling seconds after which to stop at 3 samples (default 1)")
    add("--no-progress", action="store_true", help="no progress bar (it is shown only on a terminal anyway)")


def _dedupe(items: list[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


def _flat(items: list[Any] | None) -> list[Any] | None:
    """An option's values (``extend`` already flattened repeated options), duplicates dropped."""
    return None if items is None else _dedupe(items)


def _command(plan: Any, onetime: str) -> str:
    """The command line that repeats this run, every default spelled out."""
    from .runner import entry
    from .tables import fmt_size

    parts = ["fastact bench", "--functions " + ",".join(plan.functions), "--dtypes " + ",".join(plan.dtypes)]
    rowwise = [entry(f).is_rowwise for f in plan.functions]
    if not all(rowwise):  # sizes and shapes only where they apply, to keep the line short
        parts.append("--sizes " + ",".join(fmt_size([n]) for n in plan.sizes))
    if any(rowwise):
        parts.append("--shapes " + ",".join(f"{r}x{c}" for r, c in plan.shapes))
        if plan.forms:
            parts.append("--forms " + ",".join(plan.forms))
    parts += ["--modes " + ",".join(plan.modes), "--peers " + (",".join(plan.peers) or "none")]
    parts += [f"--threads {plan.threads}", f"--onetime {onetime}"]
    s = plan.settings
    parts.append(f"--samples {s.samples} --warmup {s.warmup} --min-sample {s.min_sample:g} --max-time {s.max_time:g}")
    if plan.passes > 1:
        parts.append(f"--passes {plan.passes}")
    return " ".join(parts)


def plan_from_args(args: argparse.Namespace) -> tuple[Any, str]:
    """(the ``runner.Plan``, the one-time level) from parsed options, ``--quick`` defaults filled in."""
    from fastact.registry import DTYPES, NAMES

    from .harness import Settings
    from .runner import Plan

    quick = args.quick
    settings = Settings(
        warmup=args.warmup if args.warmup is not None else 2,
        samples=args.samples or (5 if quick else 7),
        min_sample=args.min_sample if args.min_sample is not None else 2e-3,
        max_time=args.max_time if args.max_time is not None else (0.5 if quick else 1.0),
    )
    plan = Plan(
        functions=_flat(args.functions) or list(NAMES),
        dtypes=_flat(args.dtypes) or (["float32"] if quick else list(DTYPES)),
        sizes=_flat(args.sizes) or list(QUICK_SIZES if quick else DEFAULT_SIZES),
        shapes=_flat(args.shapes) or list(DEFAULT_SHAPES),
        modes=_flat(args.modes) or (["out"] if quick else list(MODES)),
        peers=_flat(args.peers) if args.peers is not None else list(PEERS),
        threads=args.threads or _default_threads(),
        settings=settings,
        passes=args.passes or 1,
        forms=[f for f in FORMS if f in (args.forms or [])],  # in FORMS' order, once each
    )
    return plan, args.onetime or ("first" if quick else "all")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark described by ``args``; print tables, write files; 0 on success."""
    import time
    from datetime import datetime, timezone

    from . import machine, output
    from .peers import Libraries
    from .runner import run as run_plan

    plan, onetime = plan_from_args(args)
    libs = Libraries(plan.peers, plan.threads)
    for lib, why in libs.missing.items():
        print(f"fastact bench: skipping {lib}: {why}", file=sys.stderr)
    load = machine.Load().start()
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    show_bar = not args.no_progress and sys.stderr.isatty()
    try:
        outcome = run_plan(plan, libs, sys.stderr if show_bar else None)
    finally:
        libs.restore()
    t1 = time.perf_counter()
    if show_bar and onetime != "none":
        print("measuring one-time costs in fresh interpreters ...", file=sys.stderr)
    # the throughput is measured: from here on, whatever happens, it is written
    ot, interrupted = _onetime(onetime, plan.functions[0])
    load.stop()
    s = plan.settings
    doc = {
        "schema": output.SCHEMA,
        "command": _command(plan, onetime),
        "argv": sys.argv,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": time.perf_counter() - t0,
        "onetime_seconds": time.perf_counter() - t1,
        "settings": {
            "functions": plan.functions,
            "dtypes": plan.dtypes,
            "sizes": plan.sizes,
            "shapes": [list(shape) for shape in plan.shapes],
            "forms": plan.forms,
            "modes": plan.modes,
            "peers": plan.peers,
            "threads": plan.threads,
            "warmup": s.warmup,
            "samples": s.samples,
            "min_sample": s.min_sample,
            "max_time": s.max_time,
            "passes": plan.passes,
        },
        "machine": {
            "cpu": machine.cpu(),
            "versions": machine.versions(plan.peers),
            "threads": machine.thread_settings(libs.modules, plan.threads),
            "load": load.as_dict(),
        },
        "peers_missing": libs.missing,
        "notes": outcome.notes,
        "onetime": ot,
        "results": [r.as_dict() for r in outcome.rows],
    }
    # the files first (the JSON before anything that could fail), then the tables
    if args.json:
        output.write_json(args.json, doc)
    if args.csv:
        output.write_csv(args.csv, doc["results"])
    _print(doc, args.markdown, args.long)
    if args.plot and not output.write_plot(args.plot, doc["results"], plan.modes[0], doc["command"]):
        print("fastact bench: nothing to plot (no element-wise function measured)", file=sys.stderr)
    if interrupted:
        written = ", ".join(f for f in (args.json, args.csv, args.plot) if f)
        print(
            "fastact bench: interrupted during the one-time costs; the throughput measurements are "
            + (f"written ({written})" if written else "printed above"),
            file=sys.stderr,
        )
        return 130
    return 0


def _onetime(level: str, name: str) -> tuple[dict[str, Any] | None, bool]:
    """(the ``onetime`` JSON field, interrupted): never raises, so the measurements already taken are
    written whatever happens here; a failure or Ctrl-C leaves what was measured and an ``error``."""
    if level == "none":
        return None, False
    out: dict[str, Any] = {}
    try:
        from . import onetime

        out["first_call"] = onetime.first_call(name)
        if level == "all":
            out["build_all"] = onetime.build_all()
    except KeyboardInterrupt:
        out["error"] = "interrupted (Ctrl-C) during the one-time costs"
        return out, True
    except Exception as e:
        out["error"] = f"{type(e).__name__}: {(str(e).strip().splitlines() or [''])[-1]}"
    return out, False


def _print(doc: dict[str, Any], markdown: bool, long: bool) -> None:
    from . import tables

    intro = tables.describe(doc) + tables.onetime_lines(doc["onetime"])
    print(("\n\n" if markdown else "\n").join(intro))
    print()
    print(tables.render(*tables.summary(doc["results"]), markdown))
    print()
    print(tables.SUMMARY_LEGEND)
    if long:
        print()
        print(tables.render(*tables.long(doc["results"]), markdown))
    if doc["notes"]:
        print()
        print("Notes:")
        for n in doc["notes"]:
            print(f"- {n}")
