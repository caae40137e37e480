"""Writing results safely: atomic files, guarded output folders, safe names in paths.

Every writer of results goes through this module, so that a result is either complete or
absent and never lands where it was not asked for:

* :func:`write_bytes` / :func:`write_text` / :func:`atomic_path`: a file is written under a
  temporary name in its own folder, flushed to disk (``fsync``) and renamed over the final
  name (``os.replace``, atomic on one file system). A crash or Ctrl-C mid-write leaves the old
  file or none, never a truncated one; the temporary names end in ``.tmp``, which no reader
  opens.
* :func:`results_folder`: a command's output folder, checked before any solving. The folder
  must be creatable and writable; a folder holding results of another run (its manifest,
  :data:`MANIFEST`, names another input file or version of it, or the same command with
  other options; or there is no manifest but there are files) is refused unless
  ``overwrite``; the same command on the same input may write again (a sweep or sensitivity
  run resumes into its own folder). A lock file (:data:`LOCK`, created exclusively, holding
  the pid) keeps two processes out of one folder; a lock whose process has died is taken
  over.
* :func:`safe_name`: experiment, scenario and task names become file and folder names, so
  they must not climb out of a folder: no separators, no ``..``, nothing absolute.
* :class:`Interrupted`: a Ctrl-C that knows what finished, for a one-line report.

This module is at the bottom of the package: it imports only :mod:`cge.errors`.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from cge.errors import InputError, Location, Problem

#: A results folder's record of the run that wrote it (hidden: not a result).
MANIFEST = ".cge-manifest.json"
#: Held while a command writes into a folder; holds the writer's pid.
LOCK = ".cge.lock"
#: Suffix of files being written; never opened as results.
TMP_SUFFIX = ".tmp"


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with what had finished (``done`` of ``total``) and where it is kept.

    A :class:`KeyboardInterrupt`, so callers that do not look at the details still stop.
    """

    def __init__(self, done: int, total: int, what: str, kept: str = ""):
        self.done, self.total, self.what, self.kept = done, total, what, kept
        super().__init__(f"interrupted: {done} of {total} {what} finished"
                         + (f" (kept in {kept})" if kept else ""))


# -- atomic files ----------------------------------------------------------------------------

def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path to write ``path`` through: on leaving the block without an error the
    file is synced and renamed to ``path``; on an error (or Ctrl-C) it is removed.

    For writers that need a file name; writers that can produce bytes use :func:`write_bytes`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(path)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_bytes(path: str | Path, data: bytes | bytearray | memoryview) -> Path:
    """Write ``data`` to ``path`` atomically; ``path``."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; ``path``."""
    return write_bytes(path, text.encode("utf-8"))


def sha256_inputs(paths: Sequence[str | Path]) -> str:
    """One SHA-256 over the contents of files and of every file under folders, in order."""
    h = hashlib.sha256()
    for path in map(Path, paths):
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            h.update(str(f.relative_to(path) if path.is_dir() else f.name).encode())
            h.update(sha256_file(f).encode())
    return h.hexdigest()


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# -- names -----------------------------------------------------------------------------------

def safe_name(name: object, *, what: str, file: str | Path | None = None) -> str:
    """``name`` if it can be a file or folder name inside a results folder, else InputError
    naming ``what`` and the ``file`` it comes from."""
    reason = None
    if not isinstance(name, str) or not name.strip():
        reason = "it is empty" if isinstance(name, str) else "it is not text"
    elif "/" in name or "\\" in name:
        reason = "it contains a path separator"
    elif ".." in name:
        reason = "it contains '..'"
    elif ":" in name[:2] or name.startswith("~"):
        reason = "it looks like an absolute path"
    elif any(ord(c) < 32 for c in name):
        reason = "it contains control characters"
    if reason is None:
        return name
    raise InputError(Problem(
        "bad-name", f"{what} {name!r} cannot be used in file names: {reason} (use letters, "
        "digits, '_', '-', '+' and single dots)", Location(file=str(file) if file else None)))


# -- output folders --------------------------------------------------------------------------

def _refuse(code: str, message: str, folder: Path) -> InputError:
    return InputError(Problem(code, message, Location(file=str(folder))))


def check_writable(target: str | Path, *, option: str = "--out", folder: bool = True) -> Path:
    """Raise unless ``target`` can be written: a folder (``folder``) or a file, existing or
    creatable. Nothing is created."""
    target = Path(target)
    if folder and target.exists() and not target.is_dir():
        raise _refuse("bad-output", f"{option} {target} is an existing file, not a folder",
                      target)
    if not folder and target.is_dir():
        raise _refuse("bad-output", f"{option} {target} is a folder, not a file", target)
    probe = target if folder else target.parent
    probe = Path(os.path.abspath(probe))
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise _refuse("bad-output", f"{option} {target} cannot be created: {probe} is a file",
                      target)
    if not os.access(probe, os.W_OK | os.X_OK):
        raise _refuse("bad-output", f"{option} {target} is not writable (no write permission "
                      f"on {probe})", target)
    return target


def check_output_file(path: str | Path | None, *, overwrite: bool, option: str = "--out"
                      ) -> Path | None:
    """An output file option: writable, and an existing file only with ``overwrite``."""
    if path is None:
        return None
    path = check_writable(path, option=option, folder=False)
    if path.exists() and not overwrite:
        raise _refuse("output-exists", f"{option} {path} exists; pass --overwrite to replace "
                      "it", path)
    return path


def default_folder(name: str, file: str | Path) -> Path:
    """``results/<name>``, the default output folder of a named experiment."""
    return Path("results") / safe_name(name, what="experiment name", file=file)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _lock_pid(lock: Path) -> int | None:
    try:
        return int(lock.read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _acquire(folder: Path) -> Path:
    lock = folder / LOCK
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            pid = _lock_pid(lock)
            if pid is None:
                # being written this instant, or left empty by a crash: look again once
                time.sleep(0.2)
                pid = _lock_pid(lock)
            if pid is not None and _pid_alive(pid):
                raise _refuse("folder-locked", f"output folder {folder} is in use by another "
                              f"cge process (pid {pid}, lock file {lock}); wait for it to "
                              "finish or choose another --out", folder) from None
            # Stale: its process is gone. Two processes taking over the same stale lock at
            # the same instant could both succeed; the window is the unlink-create below.
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(f"{os.getpid()}\n")
        return lock
    raise _refuse("folder-locked", f"could not take the lock {lock} of output folder "
                  f"{folder}", folder)


def _release(lock: Path) -> None:
    if _lock_pid(lock) == os.getpid():
        lock.unlink(missing_ok=True)


def _results_in(folder: Path) -> str:
    """The first file under ``folder`` that may be a result (not the lock, the manifest or a
    temporary file), as a relative path; "" if there is none."""
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if name not in (LOCK, MANIFEST) and not name.endswith(TMP_SUFFIX):
                return str((Path(root) / name).relative_to(folder))
    return ""


def read_manifest(folder: str | Path) -> dict | None:
    try:
        data = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _command(command: str, source: str, options: str) -> str:
    return f"`cge {command} {source}{' ' + options if options else ''}`"


@contextmanager
def results_folder(folder: str | Path, *, command: str, source: str | Path,
                   options: Sequence[str] = (), overwrite: bool = False, own: bool = False,
                   data: Sequence[str | Path] = ()) -> Iterator[Path]:
    """Check, lock and mark ``folder`` for ``cge command source options``; the folder.

    Call it before any solving: it raises :class:`~cge.errors.InputError` if the folder is a
    file, cannot be written, is locked by a live process, or holds results of another run and
    not ``overwrite``. Another run is one of another input file or another version of it or
    of the ``data`` it names (SAM, elasticities, ...), or the same command with other
    ``options`` (the options that change what it writes); files
    and no manifest count as another run. Different commands on one input write different
    files and share a folder (``cge run``, ``sweep`` and ``decompose`` all default to
    ``results/<experiment name>``). ``own``: the folder is where the input itself lives
    (``cge report`` next to its results), so it is never another run's.
    """
    folder = check_writable(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = _acquire(folder)
    try:
        source = Path(source).resolve()
        sha = sha256_inputs([source, *data]) if source.is_file() else ""
        opts = " ".join(options)
        old = read_manifest(folder)
        same_input = old is not None and (old.get("input"), old.get("input_sha256")) == (
            str(source), sha)
        held = _results_in(folder)
        if held and not (own or overwrite):
            if old is None:
                raise _refuse("output-exists", f"output folder {folder} already holds files "
                              f"({held}) and no manifest of a cge run; pass --overwrite to "
                              "write into it anyway or choose another --out", folder)
            if not same_input:
                why = ("the same file with other contents or data (the file, its SAM, "
                       "elasticities, margins or nests changed)"
                       if old.get("input") == str(source) else f"another input, "
                       f"{old.get('input')}")
                raise _refuse("output-exists", f"output folder {folder} holds the results of "
                              f"{why}; pass --overwrite to replace them or choose another "
                              "--out", folder)
            done = old.get("commands", {})
            if command in done and done[command] != opts:
                raise _refuse("output-exists", f"output folder {folder} holds the results of "
                              f"{_command(command, source.name, done[command])}, not of "
                              f"{_command(command, source.name, opts)}; pass --overwrite to "
                              "replace them or choose another --out", folder)
        if not own:
            commands = dict(old.get("commands", {})) if same_input and held else {}
            commands[command] = opts
            write_text(folder / MANIFEST, json.dumps(
                {"input": str(source), "input_sha256": sha, "commands": commands,
                 "pid": os.getpid(), "written": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
                indent=1) + "\n")
        yield folder
    finally:
        _release(lock)
