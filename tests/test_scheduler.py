"""The job graph and the scheduler, driven with fake targets and jobs (nothing is typeset)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from coursepack.build.scheduler import Graph, Pool, Scheduler
from coursepack.engine.workers import Limits

RUN_LOG: list[str] = []


def run_fake(name: str, fail: bool) -> tuple[str, int]:
    """What a worker runs for a fake job: its name and the process that ran it."""
    RUN_LOG.append(name)
    if fail:
        raise RuntimeError(f"{name} broke")
    return name, os.getpid()


@dataclass(frozen=True)
class FakeJob:
    name: str
    size: int
    key: str = ""
    fail: bool = False

    @property
    def order(self) -> tuple[int, int]:
        return 0, -self.size


@dataclass
class FakeWork:
    jobs: list[FakeJob]
    failed: str | None = None
    inflight: int = 0
    given: list[FakeJob] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    skip: set[str] = field(default_factory=set)  # refresh() says these no longer need running

    @property
    def complete(self) -> bool:
        return bool(self.failed) or len(self.results) == len(self.jobs)

    def next_jobs(self) -> list[FakeJob]:
        return [j for j in self.jobs if j not in self.given]

    def started(self, job: FakeJob) -> None:
        self.given.append(job)

    def refresh(self, job: FakeJob) -> FakeJob | None:
        if job.name in self.skip:
            self.results[job.name] = "skipped"
            return None
        return job

    def accept(self, job: FakeJob, result: Any) -> None:
        self.results[job.name] = result

    def job_key(self, job: FakeJob) -> str:
        return job.key or job.name

    def call(self, job: FakeJob) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return run_fake, (job.name, job.fail)


class DictCache:
    def __init__(self, items: dict[str, Any] | None = None) -> None:
        self.items = dict(items or {})
        self.stored: list[str] = []

    def lookup(self, key: str) -> Any:
        return self.items.get(key)

    def recall(self, key: str) -> Any:
        return self.items.get(key)

    def store(self, key: str, result: Any) -> None:
        self.items[key] = result
        self.stored.append(key)


def drain(scheduler: Scheduler[Any, Any], works: list[FakeWork]) -> list[Any]:
    done = []
    for w in works:
        scheduler.poll(w)  # type: ignore[arg-type]
    scheduler.fill()
    while scheduler.busy:
        for d in scheduler.wait():
            if d.error is not None:
                d.work.failed = str(d.error)
            else:
                d.work.accept(d.job, d.result)
            done.append(d)
        scheduler.fill()
    return done


@pytest.fixture
def pool_of() -> Any:
    pools: list[Pool] = []
    temp = tempfile.mkdtemp()

    def make(jobs: int) -> Pool:
        pools.append(Pool(jobs, temp, Limits()))
        return pools[-1]

    yield make
    for p in pools:
        p.close()


def test_jobs_run_largest_first_across_targets(pool_of: Any) -> None:
    RUN_LOG.clear()
    a = FakeWork([FakeJob("a-small", 10), FakeJob("a-large", 500)])
    b = FakeWork([FakeJob("b-middle", 100)])
    drain(Scheduler(pool_of(1), 1), [a, b])
    assert RUN_LOG == ["a-large", "b-middle", "a-small"]
    assert a.complete and b.complete


def test_a_job_in_the_cache_is_not_run_and_a_new_one_is_stored(pool_of: Any) -> None:
    RUN_LOG.clear()
    cache = DictCache({"cached": ("from the cache", 0)})
    work = FakeWork([FakeJob("cached", 50), FakeJob("fresh", 40)])
    drain(Scheduler(pool_of(1), 1, cache), [work])
    assert RUN_LOG == ["fresh"]
    assert work.results["cached"] == ("from the cache", 0)
    assert cache.stored == ["fresh"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_identical_jobs_of_two_targets_are_typeset_once(pool_of: Any, jobs: int) -> None:
    """The same document wanted by two targets in one cold build (an exercise in the handout and
    in the booklet) is run once, and both targets get the result."""
    pool = pool_of(jobs)
    handout = FakeWork([FakeJob("handout", 100, key="exercise-3")])
    booklet = FakeWork([FakeJob("booklet-part", 100, key="exercise-3"), FakeJob("booklet-front", 20)])
    scheduler: Scheduler[Any, Any] = Scheduler(pool, 2)
    done = drain(scheduler, [handout, booklet])
    assert handout.results["handout"] == booklet.results["booklet-part"]
    assert scheduler.shared == 1
    assert sorted(d.job.name for d in done) == ["booklet-front", "booklet-part", "handout"]
    assert handout.inflight == booklet.inflight == 0


def test_a_failed_job_fails_its_target_only(pool_of: Any) -> None:
    bad = FakeWork([FakeJob("bad", 10, fail=True)])
    good = FakeWork([FakeJob("good", 10)])
    drain(Scheduler(pool_of(2), 2), [bad, good])
    assert bad.failed == "bad broke"
    assert good.complete and not good.failed


def test_a_job_refresh_drops_is_not_run(pool_of: Any) -> None:
    RUN_LOG.clear()
    work = FakeWork([FakeJob("stale", 10), FakeJob("kept", 5)], skip={"stale"})
    scheduler: Scheduler[Any, Any] = Scheduler(pool_of(1), 1)
    drain(scheduler, [work])
    assert RUN_LOG == ["kept"]
    assert work.complete and work.inflight == 0
    assert scheduler.queued == 1


def test_worker_processes_run_the_jobs(pool_of: Any) -> None:
    work = FakeWork([FakeJob(f"j{i}", i) for i in range(6)])
    drain(Scheduler(pool_of(2), 2), [work])
    assert work.complete
    assert {pid for _name, pid in work.results.values()} - {os.getpid()}  # not this process


def test_the_graph_starts_a_dependent_after_what_it_cites() -> None:
    items = [("guide", "student"), ("student", None), ("handout", None)]
    graph: Graph[tuple[str, str | None], str] = Graph(items, lambda t: t[0], lambda t: t[1])
    first = [t[0] for t, dep in graph.ready()]
    assert first == ["student", "handout"]
    assert list(graph.ready()) == []  # the guide waits
    graph.done.add("student")
    assert [t[0] for t, _dep in graph.ready()] == ["guide"]
    assert not graph.waiting


def test_the_graph_fails_a_dependent_of_a_failed_target() -> None:
    items = [("answers", "guide"), ("guide", None)]
    graph: Graph[tuple[str, str | None], str] = Graph(items, lambda t: t[0], lambda t: t[1])
    assert [t[0] for t, _ in graph.ready()] == ["guide"]
    graph.failed.add("guide")
    assert list(graph.ready()) == [(("answers", "guide"), "guide")]
    assert "answers" in graph.failed


def test_the_graph_starts_a_target_whose_dependency_is_not_planned() -> None:
    """An edition built alone (``--edition guide``) prints the pages of the last student pack."""
    graph: Graph[tuple[str, str | None], str] = Graph([("guide", "student")], lambda t: t[0], lambda t: t[1])
    assert [t[0] for t, dep in graph.ready()] == ["guide"]


def test_a_job_queued_behind_its_twin_takes_the_twins_result(pool_of: Any) -> None:
    """One worker: the twin is typeset and done before the second copy leaves the queue; the
    second is taken from this build's results, not typeset again (even in a cold build)."""
    RUN_LOG.clear()
    cache = DictCache()
    first = FakeWork([FakeJob("sheet-in-handout", 100, key="sheet")])
    second = FakeWork([FakeJob("sheet-in-booklet", 100, key="sheet")])
    scheduler: Scheduler[Any, Any] = Scheduler(pool_of(1), 1, cache)
    drain(scheduler, [first, second])
    assert RUN_LOG == ["sheet-in-handout"]
    assert second.results["sheet-in-booklet"] == first.results["sheet-in-handout"]
