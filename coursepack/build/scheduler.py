"""The job graph and the worker pool: which target starts when, and which job runs where.

Three pieces, each knowing nothing of PDFs:

- ``Graph``: the targets and the one each waits for (an edition that prints another's page
  numbers starts once that one is written; if it failed, so does the dependent).
- ``Pool``: the worker processes (forked with the engine loaded where that is safe, else
  spawned), or the main process itself with ``--jobs 1``; a pool whose worker died is replaced.
- ``Scheduler``: the jobs of every started target in one queue, started in each job's
  ``order`` while a worker is free; a job already typeset (same key) is taken from the job
  cache; two identical jobs in flight at once (the same part of two editions) are typeset once
  and both given the result.

A target's side of this is the ``Work`` protocol: the jobs it can start now, what to call for
each, what to do with a result. Tests drive the scheduler with fake works and jobs.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_all_start_methods, get_context
from typing import Any, Generic, Protocol, TypeVar

from coursepack.engine import EngineError
from coursepack.engine import workers as worker_processes
from coursepack.engine.typeset import load_engine
from coursepack.engine.typeset import warm_job as _warm_job
from coursepack.engine.workers import Limits
from coursepack.errors import BuildError

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
R = TypeVar("R")


class Ordered(Protocol):
    @property
    def order(self) -> tuple[int, int]: ...


J = TypeVar("J", bound=Ordered)


class Work(Protocol[J, R]):
    """A target being made, as the scheduler sees it."""

    failed: str | None  # set when a job failed: the target's other jobs are dropped
    inflight: int  # its jobs queued or running

    @property
    def complete(self) -> bool: ...

    def next_jobs(self) -> list[J]: ...

    def started(self, job: J) -> None: ...  # a job was queued or found in the cache

    def refresh(self, job: J) -> J | None: ...  # just before it runs: the job as it should be now, or None

    def accept(self, job: J, result: R) -> None: ...

    def job_key(self, job: J) -> str: ...  # equal keys, equal results

    def call(self, job: J) -> tuple[Callable[..., R], tuple[Any, ...]]: ...  # what a worker runs


class JobCache(Protocol[R]):
    def lookup(self, key: str) -> R | None: ...  # a job typeset by an earlier build (when it may be reused)

    def recall(self, key: str) -> R | None: ...  # a job typeset by this build (always)

    def store(self, key: str, result: R) -> None: ...


class Graph(Generic[T, K]):
    """Targets in the order given, each startable once the target it waits for is done."""

    def __init__(self, items: list[T], family: Callable[[T], K], needs: Callable[[T], K | None]) -> None:
        self.waiting = list(items)
        self.family, self.needs = family, needs
        self.planned = {family(t) for t in items}
        self.done: set[K] = set()
        self.failed: set[K] = set()

    def ready(self) -> Iterator[tuple[T, K | None]]:
        """The targets that can start now, each with the failed dependency that stops it (or None)."""
        for t in list(self.waiting):
            dep = self.needs(t)
            if dep is not None and dep in self.failed:
                self.waiting.remove(t)
                self.failed.add(self.family(t))
                yield t, dep
            elif dep is None or dep in self.done or dep not in self.planned:
                self.waiting.remove(t)
                yield t, None


class _Inline:
    """An executor that runs each job when it is submitted (``--jobs 1``)."""

    def submit(self, fn: Callable[..., R], *args: object) -> Future[R]:
        future: Future[R] = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


# Workers are forked where that is safe (Linux), from the main process with the engine already
# imported: each starts in milliseconds instead of paying Python's start-up and WeasyPrint's
# import (0.45 s of processor time each). Elsewhere they are spawned (macOS frameworks are not
# fork-safe; Windows cannot fork).
FORK = sys.platform == "linux" and "fork" in get_all_start_methods()


def start_method() -> str:
    """``fork`` where it is safe: on Linux, from a process running no other thread (a program
    that calls ``build`` from a threaded process gets spawned workers: a thread holding a lock
    at the fork would leave it locked in the child forever)."""
    return "fork" if FORK and threading.active_count() == 1 else "spawn"


@dataclass
class Pool:
    """``jobs`` worker processes sharing the build's temporary folder (the main process with 1)."""

    jobs: int
    temp: str
    limits: Limits
    # a pool kept from build to build (``build(workers=...)``) is spawned: a worker forked during
    # a build would hold that build's lock on the output folder open, and the next build would
    # wait for it forever
    kept: bool = False
    forked: bool = field(init=False)
    warming: list[Future[tuple[int, float]]] = field(default_factory=list)
    warm_sheets: tuple[tuple[str, ...], str] | None = None  # what the warm-up parsed
    _executor: ProcessPoolExecutor | _Inline = field(init=False)

    def __post_init__(self) -> None:
        self.forked = self.jobs > 1 and start_method() == "fork" and not self.kept
        worker_processes.LIMITS = self.limits  # (the jobs this process runs itself: --jobs 1)
        self._executor = self._new() if self.jobs > 1 else _Inline()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=get_context("fork" if self.forked else "spawn"),
            initializer=worker_processes.init_worker,
            initargs=(self.temp, self.limits, self.forked),
        )

    @property
    def processes(self) -> bool:
        return isinstance(self._executor, ProcessPoolExecutor)

    def submit(self, fn: Callable[..., R], *args: object) -> Future[R]:
        try:
            return self._executor.submit(fn, *args)
        except BrokenProcessPool:  # a worker died (its jobs are reported): run the rest in new ones
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._new()
            return self._executor.submit(fn, *args)

    def warm(self, sheets: list[str], roots: list[str], lang: str) -> None:
        """Start the worker processes and have each parse the stylesheets and typeset a paragraph.

        Called once, when the first target needs typesetting (a build with nothing to do never
        loads the engine), before its HTML is rendered: the workers warm up meanwhile. With
        ``fork``, the first submission forks every worker; the engine is imported first, and the
        objects that exist are frozen out of the garbage collector so that the workers do not
        copy the pages that hold them.
        """
        if not self.processes or self.warm_sheets is not None:
            return
        self.warm_sheets = (tuple(sheets), lang)
        if self.forked:
            try:
                load_engine()
            except EngineError as exc:  # checked already; a patch that no longer fits what it replaces
                raise BuildError(str(exc)) from None
            except Exception:  # e.g. no Pango: each worker fails to import it too, and says so
                pass
            gc.freeze()
        try:
            self.warming = [self.submit(_warm_job, sheets, roots, lang) for _ in range(self.jobs)]
        finally:
            gc.unfreeze()

    def warm_up_cpu(self, typesetters: set[tuple[int, tuple[str, ...], str]]) -> float:
        """Processor time of the warm-ups whose worker then typeset with those stylesheets: the
        engine's work its first document would otherwise have done (the rest was wasted)."""
        cpu = 0.0
        for f in self.warming:
            if f.done() and not f.cancelled() and f.exception() is None and self.warm_sheets is not None:
                pid, seconds = f.result()
                if (pid, *self.warm_sheets) in typesetters:
                    cpu += seconds
        return cpu

    def kill(self) -> None:
        """End the workers now, without waiting (an interrupted or failed build)."""
        processes = list((getattr(self._executor, "_processes", None) or {}).values())
        self._executor.shutdown(wait=False, cancel_futures=True)
        worker_processes.terminate(iter(processes))

    def close(self) -> None:
        self._executor.shutdown(cancel_futures=True)

    def end(self, seconds: float = 5.0) -> None:
        """End the workers now and wait until each is gone (a pool kept from build to build,
        as ``coursepack preview`` keeps one, when the preview stops)."""
        processes = list((getattr(self._executor, "_processes", None) or {}).values())
        self.kill()
        for process in processes:
            process.join(seconds)


@dataclass
class Done(Generic[J, R]):
    """A job that finished: its result, or the exception it raised."""

    work: Work[J, R]
    job: J
    key: str
    result: R | None
    error: BaseException | None


class Scheduler(Generic[J, R]):
    """One queue for the jobs of every target, run on ``slots`` workers largest-first."""

    def __init__(self, pool: Pool, slots: int, cache: JobCache[R] | None = None) -> None:
        self.pool, self.slots, self.cache = pool, slots, cache
        self.queue: list[tuple[Work[J, R], J]] = []
        self.inflight: dict[Future[R], str] = {}
        self.waiters: dict[str, list[tuple[Work[J, R], J]]] = {}  # a key in flight: who waits for it
        self.queued = 0  # jobs queued since the start (a progress display's total)
        self.shared = 0  # jobs that took an identical one's result instead of running
        self.finished: set[str] = set()  # the keys typeset in this build

    def poll(self, work: Work[J, R]) -> None:
        """Queue the jobs a target can start now; a job typeset before (the cache) is accepted at once."""
        while True:
            jobs = work.next_jobs()
            fresh = []
            for job in jobs:
                hit = self._reuse(work.job_key(job))
                work.started(job)
                if hit is not None:
                    work.accept(job, hit)
                else:
                    fresh.append(job)
            for job in fresh:
                self.queue.append((work, job))
                work.inflight += 1
                self.queued += 1
            if fresh or not jobs:
                return

    def _reuse(self, key: str) -> R | None:
        """The result of a job already typeset: by this build, or by an earlier one."""
        if self.cache is None:
            return None
        return self.cache.recall(key) if key in self.finished else self.cache.lookup(key)

    def fill(self) -> None:
        """Start queued jobs while workers are free, in ``order`` across every target."""
        self.queue.sort(key=lambda wj: wj[1].order)
        while self.queue and len(self.inflight) < self.slots:
            work, job = self.queue.pop(0)
            if work.failed:
                work.inflight -= 1
                continue
            fresh = work.refresh(job)
            if fresh is None:  # what was typeset already fits after all
                work.inflight -= 1
                self.queued -= 1
                continue
            key = work.job_key(fresh)
            if key in self.waiters:  # the same document is being typeset for another target
                self.waiters[key].append((work, fresh))
                self.shared += 1
                continue
            hit = self._reuse(key) if key in self.finished else None
            if hit is not None:  # typeset for another target since this one was queued
                work.inflight -= 1
                work.accept(fresh, hit)
                self.shared += 1
                continue
            fn, args = work.call(fresh)
            self.inflight[self.pool.submit(fn, *args)] = key
            self.waiters[key] = [(work, fresh)]

    @property
    def busy(self) -> bool:
        return bool(self.inflight)

    @property
    def idle_slot(self) -> bool:
        return not self.queue and len(self.inflight) < self.slots

    def wait(self) -> list[Done[J, R]]:
        """Wait for at least one job; hand each result to every target that waited for it."""
        finished, _ = wait(self.inflight, return_when=FIRST_COMPLETED)
        out: list[Done[J, R]] = []
        for future in finished:
            key = self.inflight.pop(future)
            try:
                result, error = future.result(), None
            except Exception as exc:
                result, error = None, exc
            if result is not None and self.cache is not None:
                self.cache.store(key, result)
                self.finished.add(key)
            for work, job in self.waiters.pop(key):
                work.inflight -= 1
                out.append(Done(work, job, key, result, error))
        return out
