"""Real `sellerguard worker` and `sellerguard clock` processes on the test database: a worker
killed with SIGKILL mid-job, two clocks started at once, a database that goes away."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from chatbot.config import Settings
from chatbot.db import Database
from chatbot.jobs import DONE, Job, JobQueue
from chatbot.schedule.models import SchedulerLease
from chatbot.worker import Worker

pytest.register_assert_rewrite("tests.processes")

from tests.processes import stop  # noqa: E402

pytest_plugins = ["tests.processes"]


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Poll `condition` until it is truthy (its value is returned); fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _job(db: Database, job_id: int) -> Job:
    with db.read() as session:
        job = session.scalars(select(Job).where(Job.id == job_id)).one()
        session.expunge(job)
        return job


def test_a_worker_killed_mid_job_is_resumed_and_delivers_once(
        settings: Settings, db: Database, tmp_path: Path, start_process: Callable[..., Any]) -> None:
    config = replace(settings, job_lease_seconds=1.0, job_modules=("tests.fixtures.jobs.slow",))
    (tmp_path / "hold").write_text("")
    job_id = JobQueue(db).enqueue("test.deliver", {"dir": str(tmp_path), "key": "test:once"})
    assert job_id is not None
    first = start_process("worker", settings=config)
    wait_until(lambda: list(tmp_path.glob("started-*")), "the first worker to start the job")
    second = start_process("worker", settings=config)
    time.sleep(3)  # the second worker polls meanwhile; the first one's heartbeat keeps the job
    assert _job(db, job_id).attempts == 1, "a living worker's lease is renewed, not taken over"
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    (tmp_path / "hold").unlink()
    wait_until(lambda: _job(db, job_id).state == DONE, "the job to be resumed and finished")
    assert stop(second) == 0
    assert (tmp_path / "delivered").read_text().count("\n") == 1
    job = _job(db, job_id)
    assert job.attempts == 2 and job.error == ""


def test_worker_once_drains_and_exits(settings: Settings, db: Database, tmp_path: Path,
                                      start_process: Callable[..., Any]) -> None:
    config = replace(settings, job_modules=("tests.fixtures.jobs.slow",))
    ids = [JobQueue(db).enqueue("test.deliver", {"dir": str(tmp_path), "key": f"k{n}"}) for n in range(3)]
    process = start_process("worker", "--once", settings=config)
    assert process.wait(timeout=120) == 0
    assert all(_job(db, job_id).state == DONE for job_id in ids if job_id is not None)
    assert (tmp_path / "delivered").read_text().count("\n") == 3


def test_two_clocks_one_enqueues_and_the_other_takes_over(
        settings: Settings, db: Database, start_process: Callable[..., Any]) -> None:
    config = replace(settings, clock_lease_seconds=1.0)
    first = start_process("clock", settings=config)
    second = start_process("clock", settings=config)

    def holder() -> str:
        with db.read() as session:
            lease = session.get(SchedulerLease, "clock")
            return lease.holder if lease else ""

    held_by = wait_until(holder, "a clock to take the lease")
    time.sleep(1.5)
    assert holder() == held_by, "the holder renews; the other clock waits"
    with db.read() as session:
        runs = session.scalars(select(Job.unique_key).where(Job.kind == "scheduled.reminders")).all()
    assert len(runs) == 1, "one start-up reminders run, from the clock that holds the lease"
    pid = int(held_by.split(":")[1])
    owner, standby = (first, second) if first.pid == pid else (second, first)
    owner.send_signal(signal.SIGKILL)
    owner.wait(timeout=30)
    taken = wait_until(lambda: holder() if holder() != held_by else "", "the standby to take over")
    assert int(taken.split(":")[1]) == standby.pid
    assert stop(standby) == 0
    with db.read() as session:
        lease = session.get(SchedulerLease, "clock")
        assert lease is not None and lease.expires_at < datetime.now(UTC), "released on a clean stop"


def test_clock_once_twice_enqueues_one_run(settings: Settings, db: Database,
                                           start_process: Callable[..., Any]) -> None:
    at = "2026-12-01T09:00:00+08:00"
    processes = [start_process("clock", "--once", "digest", "--now", at, settings=settings)
                 for _ in range(2)]
    assert [p.wait(timeout=120) for p in processes] == [0, 0]
    with db.read() as session:
        keys = session.scalars(select(Job.unique_key).where(Job.kind == "scheduled.digest")).all()
    assert keys == ["digest@2026-12-01T09:00:00+08:00"]


def test_a_worker_survives_the_database_going_away(db: Database) -> None:
    """The queue raises (the database restarts); the worker waits and carries on."""
    queue = JobQueue(db)
    real_claim = queue.claim
    failures = [2]
    ran: list[int] = []

    def flaky_claim(kinds: Any = None) -> Any:
        if failures[0]:
            failures[0] -= 1
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))
        return real_claim(kinds)

    queue.claim = flaky_claim  # type: ignore[method-assign]
    queue.enqueue("test", {"n": 7})
    worker = Worker(queue, {"test": lambda payload: ran.append(payload["n"])}, poll_seconds=0.05)
    import chatbot.worker as module

    original = module.DB_RETRY_SECONDS
    module.DB_RETRY_SECONDS = (0.01, 0.02)
    try:
        worker.start()
        wait_until(lambda: ran, "the job to run once the database is back")
    finally:
        worker.stop()
        module.DB_RETRY_SECONDS = original
    assert ran == [7] and failures == [0]


def test_sellerguard_worker_refuses_an_unknown_job_module(run_cli: Callable[..., Any]) -> None:
    result = run_cli("worker", "--once", env={"SELLERGUARD_JOB_MODULES": "no.such.module"})
    assert result.returncode == 2 and "cannot be imported" in result.stderr




def test_the_procfile_processes_start_and_stop_cleanly(
        settings: Settings, start_process: Callable[..., Any], tmp_path: Path) -> None:
    """Every Procfile line, as a Procfile runner starts it: web answers /healthz, worker and clock
    run, and all three stop on SIGTERM with exit code 0 and no traceback."""
    import socket
    import urllib.request

    procfile = Path(__file__).parent.parent / "Procfile"
    lines = dict(line.split(":", 1) for line in procfile.read_text().splitlines() if line.strip())
    assert set(lines) >= {"web", "worker", "clock"}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    processes = {}
    for name, command in lines.items():
        words = command.split()
        assert words[0] == "sellerguard"
        processes[name] = start_process(*words[1:], settings=settings, env={"PORT": str(port)})

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    wait_until(healthy, "the web process to answer /healthz")
    # Each says it is running once it handles SIGTERM; a signal during start-up ends it as SIGTERM's
    # default does, whatever the machine's speed.
    for name, said in {"worker": "running jobs", "clock": "scheduling in"}.items():
        wait_until(lambda name=name, said=said: said in "".join(
            log.read_text() for log in tmp_path.glob(f"{name}-*.log")), f"the {name} process to start")
    assert all(process.poll() is None for process in processes.values()), "none exited"
    for name, process in processes.items():
        # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status shows it
        assert stop(process) in ((0, -signal.SIGTERM) if name == "web" else (0,)), name
    logs = "".join(log.read_text() for log in tmp_path.glob("*.log"))
    assert "Traceback" not in logs, logs
    if "wecom" in lines:  # no bot configured: it says what is missing and idles, never crash-loops
        assert "WECOM_AIBOT_ID" in "".join(log.read_text() for log in tmp_path.glob("wecom-*.log"))


def test_a_worker_started_before_its_database_waits_for_it(
        settings: Settings, start_process: Callable[..., Any], tmp_path: Path) -> None:
    """No crash loop: the worker says it is waiting, and runs jobs once the database is there."""
    later = tmp_path / "later"
    url = f"sqlite:///{later / 'sellerguard.db'}"
    config = replace(settings, database_url=url, job_modules=("tests.fixtures.jobs.slow",))
    worker = start_process("worker", settings=config)
    logs = lambda: "".join(log.read_text() for log in tmp_path.glob("worker-*.log"))  # noqa: E731
    wait_until(lambda: "waiting for it" in logs(), "the worker to say it waits for the database")
    assert worker.poll() is None
    later.mkdir()
    wait_until(lambda: "running jobs on" in logs(), "the worker to open the database")
    db = Database(url)
    try:
        JobQueue(db).enqueue("test.deliver", {"dir": str(tmp_path), "key": "late"})
        wait_until(lambda: (tmp_path / "delivered").exists(), "the job to run")
    finally:
        db.dispose()
    assert stop(worker) == 0
