"""Where the points of a sweep run: this process, a local Dask cluster, or an existing one.

- :class:`SerialExecutor`: one point after another in this process (no Dask; for debugging,
  for comparisons, and for machines without ``distributed``).
- :class:`DaskExecutor`: batches of points as Dask tasks. Without an address it starts a
  :class:`distributed.LocalCluster` of worker *processes* (one single-threaded worker per
  core unless told otherwise) and stops it at the end; with an address it sends the tasks to
  the scheduler there (``distributed.Client(address)``); with a ``client`` it uses that one.

A batch that fails as a whole (a worker killed, out of memory) gives an error row for each of
its points; the sweep goes on. The workers must be able to import the same rmtsym version.
mpmath's working precision is global to a process, so the points of one process run one at a
time (:mod:`rmtsym.sweep.point` holds a lock): start the workers of an existing cluster with
one thread each (``dask worker ADDRESS --nworkers N --nthreads 1``).
"""
from __future__ import annotations

import logging
import os
from typing import Iterator, List, Optional, Sequence, Tuple

from ..errors import ParameterError, RmtsymError
from .point import run_points, worker_info

__all__ = ["SerialExecutor", "DaskExecutor", "default_workers", "need_distributed"]


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def need_distributed():
    """Import ``distributed`` or say in one sentence how to install it."""
    try:
        import distributed
    except ImportError:
        raise RmtsymError("a sweep on Dask needs dask[distributed]: pip install 'rmtsym[sweep]' "
                          "(or run it in this process with --scheduler serial)") from None
    return distributed


def _batch_error(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"the Dask task of this point failed ({type(exc).__name__}: {text})"


class SerialExecutor:
    """Run the batches one after another in this process."""

    workers = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    @property
    def description(self) -> str:
        return "serial (this process)"

    def run(self, batches: Sequence[List[list]]) -> Iterator[Tuple[int, list]]:
        for i, batch in enumerate(batches):
            yield i, run_points(batch)


class DaskExecutor:
    """Run the batches as Dask tasks (see the module docstring).

    Parameters
    ----------
    scheduler : str, optional
        Address of an existing scheduler (``tcp://host:8786``); None starts a local cluster.
    workers : int, optional
        Worker processes of the local cluster (default: one per core).
    client : distributed.Client, optional
        An existing client to use (left open at the end).
    processes : bool
        Local cluster of processes (default). ``False`` runs one worker thread in this
        process (mpmath's precision is process-global, so threads cannot share the work).
    timeout : float
        Seconds to wait for a connection to ``scheduler``.
    """

    def __init__(self, scheduler: Optional[str] = None, workers: Optional[int] = None, client=None,
                 processes: bool = True, timeout: float = 20.0):
        if scheduler is not None and workers is not None:
            raise ParameterError("--workers sizes the local cluster; an existing scheduler has its own workers")
        if workers is not None and (isinstance(workers, bool) or int(workers) < 1):
            raise ParameterError(f"--workers must be at least 1, got {workers}")
        self.scheduler = scheduler
        self.n_workers = int(workers) if workers is not None else None
        self.processes = processes
        self.timeout = timeout
        self._client = client
        self._own_client = client is None
        self._cluster = None
        self.workers = 1

    @property
    def description(self) -> str:
        if self._cluster is not None:
            kind = "processes" if self.processes else "thread in this process"
            return f"local Dask cluster ({self.workers} worker {kind})"
        where = self.scheduler or getattr(getattr(self._client, "scheduler", None), "address", "?")
        return f"Dask scheduler at {where} ({self.workers} worker threads)"

    def __enter__(self):
        distributed = need_distributed()
        try:
            if self._client is None and self.scheduler is None:
                n = self.n_workers or default_workers()
                if not self.processes:
                    n = 1
                self._cluster = distributed.LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=self.processes,
                    dashboard_address=":0", silence_logs=logging.ERROR)
                self._client = distributed.Client(self._cluster)
            elif self._client is None:
                try:
                    self._client = distributed.Client(self.scheduler, timeout=self.timeout)
                except (OSError, TimeoutError) as exc:
                    raise RmtsymError(f"cannot reach a Dask scheduler at {self.scheduler} "
                                      f"({type(exc).__name__})") from None
            self._check_workers()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _check_workers(self) -> None:
        import rmtsym
        nthreads = self._client.nthreads()
        if not nthreads:
            try:
                self._client.wait_for_workers(1, timeout=self.timeout)
            except Exception:  # noqa: BLE001 - a timeout of any kind
                raise RmtsymError("the Dask cluster has no workers") from None
            nthreads = self._client.nthreads()
        self.workers = sum(nthreads.values())
        try:
            info = self._client.run(worker_info)
        except Exception as exc:  # noqa: BLE001 - unpickling fails where rmtsym is missing
            raise RmtsymError("the Dask workers cannot run rmtsym (install the same rmtsym on them: "
                              f"{type(exc).__name__})") from None
        versions = {v["version"] for v in info.values()}
        if versions - {rmtsym.__version__}:
            raise RmtsymError(f"the Dask workers run rmtsym {', '.join(sorted(versions))}, "
                              f"this process {rmtsym.__version__}; install the same version on both")

    def __exit__(self, *exc):
        if self._own_client and self._client is not None:
            try:
                self._client.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
            self._client = None
        if self._cluster is not None:
            try:
                self._cluster.close()
            except Exception:  # noqa: BLE001
                pass
        return False

    def run(self, batches: Sequence[List[list]]) -> Iterator[Tuple[int, list]]:
        from distributed import as_completed
        futures = self._client.map(run_points, list(batches), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for fut in as_completed(futures):
                i = index[fut.key]
                if fut.status == "finished":
                    yield i, fut.result()
                elif fut.status == "cancelled":
                    raise RmtsymError("the Dask scheduler cancelled the sweep's tasks (connection lost?)")
                else:
                    err = _batch_error(fut.exception())
                    yield i, [{"payload": None, "error": err, "elapsed_s": float("nan")}
                              for _ in batches[i]]
                fut.release()
        finally:
            self._client.cancel(futures)
