"""Atomic output directories: a report appears whole or not at all.

Everything is written into a temporary directory next to the target (same file
system, so renames are atomic); only when every file is written does the
temporary directory take the target's place.  A failure or interrupt before that
removes the temporary directory and leaves the target as it was (a previous
report stays intact).  ``keep`` names subdirectories of an existing target moved
into the new one (the exhaustive sweeps' checkpoints, which must outlive runs).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_dir(target: Path | str, keep: tuple[str, ...] = ()) -> Iterator[Path]:
    """Yield a fresh directory; on normal exit it replaces ``target``."""
    target = Path(target).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    try:
        for name in keep:
            if (target / name).exists() and not (tmp / name).exists():
                os.replace(target / name, tmp / name)
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(tmp, target)
    except BaseException:
        if old is not None and not target.exists():
            os.replace(old, target)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
