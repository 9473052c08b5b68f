"""Output directories that never touch a user's files, and appear whole or not at all.

A command's output directory (``--out DIR``) is used only if it does not exist, is empty,
or holds an earlier output of the same command and nothing else.  An earlier output is
recognised by its manifest, ``.fastact-output.json``, which names the command and every
entry it wrote; any other entry (a user's file, a folder, a different command's output)
makes the command refuse with ``OutputError`` before any work starts.  Nothing else is
ever deleted, renamed or replaced, and the directory itself is never moved: it may be the
user's (``--out .``).

Everything is written into a staging directory inside the target (same file system, so
the final renames are atomic).  Only when every file is written are the new files
renamed into place, over their earlier versions, and entries of the earlier output that
the new one lacks are removed: a failure or interrupt before that leaves the target as it
was.  The rename phase (a few renames) runs with Ctrl-C deferred, so an interrupt cannot
leave half an output.  ``reserve`` names entries the command writes into the target
itself while it runs (the exhaustive sweeps' ``checkpoints``, which must outlive runs and
failures): they are recorded in the manifest before the run starts.

Directories and files are created with the ordinary modes, so they follow the umask.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MANIFEST = ".fastact-output.json"
_STAGING = ".fastact-staging-"


class OutputError(ValueError):
    """The output path can't be used; the message is one line naming the path and why."""


def _manifest(target: Path) -> dict | None:
    try:
        data = json.loads((target / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    ok = isinstance(data, dict) and isinstance(data.get("command"), str) and isinstance(data.get("files"), list)
    return data if ok else None


def _is_staging(path: Path) -> bool:
    """A staging directory left by a killed run (it holds the marker file we put there)."""
    return path.name.startswith(_STAGING) and path.is_dir() and not path.is_symlink() and (path / MANIFEST).exists()


def _listing(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def check_target(target: Path | str, command: str) -> list[str]:
    """Raise ``OutputError`` unless ``command`` may write its output into ``target``.

    Returns the entries of an earlier output of ``command`` found there (``[]`` for a new
    or empty directory); only those may be replaced or removed.
    """
    given = str(target)
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise OutputError(f"{given!r} exists and is not a directory (an existing file is never replaced)")
    if not target.exists():
        if target.is_symlink():
            raise OutputError(f"{given!r} is a dangling symbolic link")
        parent = next((p for p in target.absolute().parents if p.exists()), None)
        if parent is None or not parent.is_dir():
            raise OutputError(f"cannot create {given!r}: {parent} is not a directory")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise OutputError(f"cannot create {given!r}: {parent} is not writable")
        return []
    if not os.access(target, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write into {given!r}: permission denied")
    try:
        entries = sorted(os.listdir(target))
    except OSError as e:
        raise OutputError(f"cannot read {given!r}: {e.strerror}") from None
    entries = [e for e in entries if not _is_staging(target / e)]
    if not entries:
        return []
    manifest = _manifest(target)
    if manifest is None or manifest["command"] != command:
        what = f"an earlier output of {manifest['command']!r}" if manifest else "files fastact did not write"
        raise OutputError(
            f"{given!r} holds {what} ({_listing(entries)}); "
            f"choose a new or empty directory, or one holding an earlier {command!r} output"
        )
    ours = set(manifest["files"]) | {MANIFEST}
    foreign = [e for e in entries if e not in ours]
    if foreign:
        raise OutputError(
            f"{given!r} holds an earlier {command!r} output and also files it did not write "
            f"({_listing(foreign)}); move them away or choose another directory"
        )
    return [e for e in entries if e != MANIFEST]


def _write_manifest(where: Path, command: str, files: list[str]) -> None:
    data = {"command": command, "files": sorted(set(files))}
    (where / MANIFEST).write_text(json.dumps(data, indent=1) + "\n")


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C for the few renames of the commit; a held interrupt is dropped, the
    output being complete by then (only the main thread can set signal handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda *_: None)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _Interrupts:
    """Ctrl-C during the run, remembered: Python delivers KeyboardInterrupt wherever the
    main thread is, and where that is a garbage-collection callback or ``__del__`` (JAX and
    matplotlib have them) it is printed and dropped, so the run would go on and commit.
    Seen once, the commit refuses (and the dropped one is not printed as a traceback).  A
    SIGINT that is ignored (a background job) stays so."""

    def __init__(self) -> None:
        self.seen = False
        self._previous = None
        self._hook = sys.unraisablehook

    def __enter__(self) -> _Interrupts:
        if threading.current_thread() is threading.main_thread():
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                self._previous = signal.signal(signal.SIGINT, self._handler)
                sys.unraisablehook = self._unraisable
        return self

    def _unraisable(self, u: Any) -> None:
        if not (self.seen and issubclass(u.exc_type, KeyboardInterrupt)):
            self._hook(u)

    def _handler(self, signum: int, frame: object) -> None:
        self.seen = True
        raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            sys.unraisablehook = self._hook


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _commit(staging: Path, target: Path, given: str, command: str, old: list[str], reserve: tuple[str, ...]) -> None:
    """Rename the staged entries into ``target`` over the earlier output's, drop the earlier
    output's entries the new one lacks, and write the new manifest last."""
    (staging / MANIFEST).unlink()
    new = sorted(os.listdir(staging))
    clash = [n for n in new if (target / n).exists() and n not in old and n not in reserve]
    if clash:  # appeared while we ran: the user's, not ours
        raise OutputError(f"{given!r}: {clash[0]!r} appeared during the run; nothing was replaced")
    with _sigint_deferred():
        for name in new:
            dst = target / name
            if dst.is_dir() and not dst.is_symlink():
                shutil.rmtree(dst)
            os.replace(staging / name, dst)
        for name in old:
            if name not in new and name not in reserve and (target / name).exists():
                _remove(target / name)
        kept = [r for r in reserve if (target / r).exists()]
        _write_manifest(staging, command, [*new, *kept])
        os.replace(staging / MANIFEST, target / MANIFEST)


def _settle(target: Path, command: str, old: list[str], reserve: tuple[str, ...], created: bool) -> None:
    """After a failed run: the manifest lists the earlier output plus the reserved entries
    the run left (checkpoints); a directory we created and that holds nothing is removed."""
    if reserve:
        left = [r for r in reserve if (target / r).exists() and r not in old]
        if left or old:
            _write_manifest(target, command, [*old, *left])
        else:
            with contextlib.suppress(OSError):
                (target / MANIFEST).unlink()
    if created:
        with contextlib.suppress(OSError):  # not empty: the reserved entries stay
            target.rmdir()


@contextmanager
def atomic_dir(target: Path | str, command: str, reserve: tuple[str, ...] = ()) -> Iterator[Path]:
    """Yield a staging directory; on normal exit its entries replace ``command``'s earlier
    output in ``target``.  ``OutputError`` (before anything is written) if ``target`` holds
    anything else; see the module docstring."""
    given = str(target)
    target = Path(target)
    old = check_target(target, command)
    created = not target.exists()
    try:
        target.mkdir(parents=True, exist_ok=True)
        if reserve:  # entries the run writes into the target itself are ours from the start
            _write_manifest(target, command, [*old, *reserve])
        staging = Path(tempfile.mkdtemp(prefix=_STAGING, dir=target))
        (staging / MANIFEST).write_text("")  # marks it as ours should the run be killed
    except OSError as e:
        raise OutputError(f"cannot {'create' if created else 'write into'} {given!r}: {e.strerror}") from None
    try:
        with _Interrupts() as interrupts:
            yield staging
        if interrupts.seen:  # swallowed where it landed: still an interrupted run
            raise KeyboardInterrupt
        _commit(staging, target, given, command, old, reserve)
        staging.rmdir()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _settle(target, command, old, reserve, created)
        raise
