"""Run many tasks serially or on Dask, one result file per finished task, resumable.

Every finished task is written to ``<folder>/tasks/<task id>.nc`` as soon as it arrives
(written to a temporary name, then renamed, so a kill mid-write leaves no half file), and the
SHA-256 of its bytes beside it (``<task id>.nc.sha256``, written after the file). A rerun
skips tasks whose file is intact, so an interrupted sweep resumes where it stopped; a task
file that is not intact (truncated, overwritten, without its checksum, or a result of another
task) is named in a warning line and computed again. Results are always read back from those
files, so a resumed sweep and an uninterrupted one hand over the same numbers, and the serial
path calls the same :func:`run_unit` (a task, or a batch of SSA points) in process that Dask
calls on its workers. Ctrl-C raises :class:`cge.outputs.Interrupted`, which says how many tasks
finished.

Dask: ``workers = N`` starts a :class:`distributed.LocalCluster` of ``N`` single-threaded
worker processes (``processes=False`` gives threads of this process, cheaper to start, for
tests); ``scheduler = "tcp://host:8786"`` uses an existing cluster. Tasks carry file paths, so
workers need the experiment's files at the same paths (a shared file system); result files
are written by this (the client) process.
"""

from __future__ import annotations

import hashlib
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from cge.outputs import Interrupted, safe_name, sha256_file, write_bytes, write_text
from cge.sensitivity.batch import Batch, run_batch
from cge.sensitivity.tasks import Task, run_task

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Executor:
    """Where tasks run: serial (``workers = 0`` and no scheduler), a local Dask cluster of
    ``workers`` processes (threads if not ``processes``), or the Dask ``scheduler`` address."""

    workers: int = 0
    scheduler: str | None = None
    processes: bool = True

    @property
    def parallel(self) -> bool:
        return self.workers > 0 or self.scheduler is not None


SERIAL = Executor()


def task_file(folder: Path, task: Task) -> Path:
    return folder / "tasks" / f"{task.id}.nc"


def _checksum_file(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _write(ds: xr.Dataset, path: Path) -> None:
    # Serialised in memory, then written: writing to a path from inside a Dask worker makes
    # xarray take a cluster-wide lock through the scheduler for every file (~0.4 s each here,
    # and the writes of all workers queue on it).
    data = bytes(ds.to_netcdf(engine="scipy"))
    write_bytes(path, data)
    # after the file: a kill in between leaves a file without checksum, which is recomputed
    write_text(_checksum_file(path), hashlib.sha256(data).hexdigest() + "\n")


def task_file_problem(path: Path, task: Task) -> str:
    """Why the result file of ``task`` at ``path`` cannot be used ("" if it can)."""
    check = _checksum_file(path)
    if not check.exists():
        return "it has no checksum file (written by an older version or interrupted)"
    try:
        expected = check.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return f"its checksum file {check.name} is unreadable"
    if sha256_file(path) != expected:
        return "its content does not match its checksum (truncated or overwritten)"
    try:
        with xr.open_dataset(path, engine="scipy") as ds:
            owner = ds.attrs.get("task")
    except Exception as exc:  # any reader failure means the same: recompute
        return f"it does not open as NetCDF ({type(exc).__name__})"
    if owner != task.id:
        return f"it holds the result of another task ({owner!r})"
    return ""


def _done(folder: Path, task: Task, warn: Progress) -> bool:
    path = task_file(folder, task)
    if not path.exists():
        return False
    problem = task_file_problem(path, task)
    if problem:
        warn(f"warning: task file {path} is not usable, computing it again: {problem}")
    return not problem


def _read(path: Path) -> xr.Dataset:
    with xr.open_dataset(path, engine="scipy") as ds:
        return ds.load()


def netcdf_ready(ds: xr.Dataset) -> xr.Dataset:
    """A combined Dataset ready for NetCDF 3 (the scipy engine): text as object arrays, not
    unicode, and no encodings carried over from task files (their string lengths do not fit
    the combined text)."""
    return ds.drop_encoding().assign_coords({c: ds[c].astype(object) for c in ds.coords
                                             if ds[c].dtype.kind == "U"})


def stderr_progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run_tasks(tasks: Sequence[Task | Batch], folder: str | Path, executor: Executor = SERIAL,
              progress: Progress | None = None) -> list[xr.Dataset]:
    """Results of ``tasks`` in their order, computing only those without a result file."""
    folder = Path(folder)
    for t in tasks:  # ids hold experiment and scenario names and become file names
        safe_name(t.id, what="task id (experiment and scenario names)", file=t.experiment)
    (folder / "tasks").mkdir(parents=True, exist_ok=True)
    ids = [t.id for t in tasks]
    if len(set(ids)) != len(ids):
        raise ValueError("task ids must be unique (identical tasks would share a file)")
    warn = progress or _warn
    todo = [t for t in tasks if not _done(folder, t, warn)]
    done, t0 = len(tasks) - len(todo), time.perf_counter()

    def finished(task: Task, failed: int) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(f"[{done}/{len(tasks)}] {task.id}"
                     + (f" ({failed} run(s) failed)" if failed else "")
                     + f", {time.perf_counter() - t0:.1f} s")

    if progress is not None and done:
        progress(f"resuming: {done} of {len(tasks)} tasks already done in {folder / 'tasks'}")
    try:
        if todo and executor.parallel:
            _run_dask(todo, folder, executor, finished)
        else:
            for task in todo:
                finished(task, run_and_write(task, str(task_file(folder, task))))
    except KeyboardInterrupt as exc:
        raise Interrupted(done, len(tasks), "tasks", str(folder / "tasks")) from exc
    return [_read(task_file(folder, t)) for t in tasks]


def _warn(line: str) -> None:
    warnings.warn(line, stacklevel=3)


def run_unit(task: Task | Batch) -> xr.Dataset:
    """The results of a task, or of a batch of SSA points."""
    return run_batch(task) if isinstance(task, Batch) else run_task(task)


def run_and_write(task: Task | Batch, path: str) -> int:
    """Solve a task and write its result file where it runs; the number of failed runs."""
    ds = run_unit(task)
    _write(ds, Path(path))
    return _failed(ds)


def _failed(ds: xr.Dataset) -> int:
    return int((ds["status"] == "failed").sum())


def _run_dask(tasks: list[Task], folder: Path, executor: Executor,
              finished: Callable[[Task, int], None]) -> None:
    # imported here: distributed takes a second to import and serial runs do not need it
    from distributed import Client, LocalCluster, as_completed

    if executor.scheduler is not None:
        client, cluster = Client(executor.scheduler), None
    else:
        cluster = LocalCluster(n_workers=executor.workers, threads_per_worker=1,
                               processes=executor.processes, dashboard_address=None)
        client = Client(cluster)
    # Local workers write their own result files: the scheduler shares this process's GIL, so
    # writing here would slow down handing out tasks. Remote workers need not see the folder,
    # so their results come back and are written here.
    local = executor.scheduler is None
    try:
        futures = {(client.submit(run_and_write, task, str(task_file(folder, task)),
                                  key=f"cge-task-{task.id}") if local
                    else client.submit(run_unit, task, key=f"cge-task-{task.id}")): task
                   for task in tasks}
        for fut in as_completed(futures):
            task = futures[fut]
            if local:
                finished(task, fut.result())
            else:
                ds = fut.result()
                _write(ds, task_file(folder, task))
                finished(task, _failed(ds))
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
