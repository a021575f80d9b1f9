"""The durable job queue (chatbot/jobs.py) on the real database: claims, leases, races, failures,
and Slack jobs run by the real adapter against the fake Web API."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chatbot.db import Database
from chatbot.jobs import DONE, FAILED, QUEUED, RUNNING, Job, JobQueue, PermanentJobError, backoff

pytest.register_assert_rewrite("tests.slack_fake", "tests.processes")

from tests.processes import stop  # noqa: E402
from tests.slack_fake import SlackRig, command_body  # noqa: E402

pytest_plugins = ["tests.slack_fake", "tests.processes"]

LEASE = 60.0


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def queue(db: Database, clock: Clock) -> JobQueue:
    return JobQueue(db, clock=clock, lease_seconds=LEASE, max_attempts=3, keep_seconds=3600)


@pytest.fixture
def second_db(database_url: str) -> Iterator[Database]:
    """Another engine on the same database, as another worker process would have."""
    other = Database(database_url)
    yield other
    other.dispose()


def _row(db: Database, job_id: int) -> Job:
    with db.read() as session:
        job = session.scalars(select(Job).where(Job.id == job_id)).one()
        session.expunge(job)
        return job


def test_a_job_is_claimed_once_run_and_marked_done(queue: JobQueue, db: Database) -> None:
    job_id = queue.enqueue("test", {"n": 1})
    assert job_id is not None
    seen: list[dict[str, Any]] = []
    assert queue.run_next({"test": seen.append}) is True
    assert seen == [{"n": 1}]
    assert queue.run_next({"test": seen.append}) is False  # nothing left
    row = _row(db, job_id)
    assert (row.state, row.attempts, row.lease_until, row.error) == (DONE, 1, None, "")


def test_a_retried_delivery_makes_no_second_job(queue: JobQueue, db: Database) -> None:
    assert queue.enqueue("test", {"n": 1}, delivery_key="slack:command:trig.1") is not None
    assert queue.enqueue("test", {"n": 1}, delivery_key="slack:command:trig.1") is None
    seen: list[dict[str, Any]] = []
    while queue.run_next({"test": seen.append}):
        pass
    assert seen == [{"n": 1}]
    with db.read() as session:
        assert len(session.scalars(select(Job)).all()) == 1


def test_a_job_whose_worker_died_runs_once_after_the_lease_expires(
        queue: JobQueue, db: Database, second_db: Database, clock: Clock) -> None:
    job_id = queue.enqueue("test", {"n": 7})
    dead = queue.claim()  # the first worker takes it, then dies: it never finishes
    assert dead is not None and dead.id == job_id
    survivor = JobQueue(second_db, clock=clock, lease_seconds=LEASE, max_attempts=3)
    runs: list[dict[str, Any]] = []
    clock.advance(LEASE - 1)
    assert survivor.run_next({"test": runs.append}) is False  # the lease still holds
    clock.advance(2)
    assert survivor.run_next({"test": runs.append}) is True
    assert survivor.run_next({"test": runs.append}) is False
    assert runs == [{"n": 7}]
    assert queue.finish(dead) is False  # a late finish from the lost lease changes nothing
    row = _row(db, job_id)
    assert (row.state, row.attempts) == (DONE, 2)
    clock.advance(LEASE * 10)
    assert survivor.run_next({"test": runs.append}) is False and runs == [{"n": 7}]


def test_two_workers_racing_run_each_job_once(
        queue: JobQueue, db: Database, second_db: Database, clock: Clock) -> None:
    workers = [queue, JobQueue(second_db, clock=clock, lease_seconds=LEASE)]
    runs: list[int] = []
    lock = threading.Lock()

    def record(payload: dict[str, Any]) -> None:
        with lock:
            runs.append(payload["n"])

    def race(worker: JobQueue, start: threading.Barrier, took: list[bool]) -> None:
        start.wait()
        took.append(worker.run_next({"test": record}))

    for n in range(15):
        queue.enqueue("test", {"n": n})
        start = threading.Barrier(len(workers))
        took: list[bool] = []
        threads = [threading.Thread(target=race, args=(worker, start, took)) for worker in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(took) == [False, True], f"round {n}: exactly one worker took the job"
    assert runs == list(range(15))


def test_attempts_run_out_and_the_job_fails(queue: JobQueue, db: Database, clock: Clock,
                                            caplog: pytest.LogCaptureFixture) -> None:
    job_id = queue.enqueue("test", {"n": 1})
    for attempt in (1, 2, 3):
        claimed = queue.claim()
        assert claimed is not None and claimed.attempt == attempt
        clock.advance(LEASE + 1)  # and that worker died too
    assert queue.claim() is None  # not a fourth time
    row = _row(db, job_id)
    assert row.state == FAILED and row.attempts == 3 and "3 times" in row.error
    assert f"job {job_id} (test) failed" in caplog.text
    clock.advance(LEASE * 100)
    assert queue.claim() is None and _row(db, job_id).state == FAILED


def test_a_runner_that_raises_is_retried_with_backoff_then_failed(queue: JobQueue, db: Database,
                                                                  clock: Clock) -> None:
    job_id = queue.enqueue("test", {"n": 1})
    calls: list[int] = []

    def broken(payload: dict[str, Any]) -> None:
        calls.append(payload["n"])
        raise ConnectionError("Slack is down")

    assert queue.run_next({"test": broken}) is True
    row = _row(db, job_id)
    assert row.state == QUEUED and "Slack is down" in row.error and row.run_after is not None
    assert queue.run_next({"test": broken}) is False, "not before its pause is over"
    clock.advance(backoff(1).total_seconds())
    assert queue.run_next({"test": broken}) is True and len(calls) == 2
    clock.advance(backoff(2).total_seconds() - 1)
    assert queue.run_next({"test": broken}) is False, "the pause doubled"
    clock.advance(1)
    assert queue.run_next({"test": broken}) is True and len(calls) == 3
    clock.advance(LEASE * 100)
    assert queue.run_next({"test": broken}) is False, "three attempts, then it stays failed"
    row = _row(db, job_id)
    assert row.state == FAILED and row.attempts == 3 and "ConnectionError: Slack is down" in row.error
    failed = queue.recent(state=FAILED)
    assert [job.id for job in failed] == [job_id] and queue.count(FAILED) == 1


def test_a_platform_that_comes_back_gets_the_delivery(queue: JobQueue, db: Database, clock: Clock) -> None:
    job_id = queue.enqueue("test", {"n": 1})
    up = {"now": False}
    delivered: list[int] = []

    def flaky(payload: dict[str, Any]) -> None:
        if not up["now"]:
            raise TimeoutError("no answer")
        delivered.append(payload["n"])

    assert queue.run_next({"test": flaky}) is True
    up["now"] = True
    clock.advance(backoff(1).total_seconds())
    assert queue.run_next({"test": flaky}) is True
    assert delivered == [1] and _row(db, job_id).state == DONE


def test_a_malformed_payload_or_unknown_kind_fails_at_once(queue: JobQueue, db: Database,
                                                           clock: Clock) -> None:
    def strict(payload: dict[str, Any]) -> None:
        if "n" not in payload:
            raise PermanentJobError("payload has no n")
        _ = payload["n"] + 1

    missing = queue.enqueue("test", {})
    wrong_type = queue.enqueue("test", {"n": "one"})
    unknown = queue.enqueue("nobody-runs-this", {})
    while queue.run_next({"test": strict}):
        pass
    clock.advance(3600)
    assert queue.run_next({"test": strict}) is False, "none of them is retried"
    errors = {job_id: _row(db, job_id) for job_id in (missing, wrong_type, unknown)}  # type: ignore[misc]
    assert all(row.state == FAILED and row.attempts == 1 for row in errors.values())
    assert "payload has no n" in errors[missing].error  # type: ignore[index]
    assert errors[wrong_type].error.startswith("TypeError")  # type: ignore[index]
    assert "no runner for jobs of kind 'nobody-runs-this'" in errors[unknown].error  # type: ignore[index]


def test_a_unique_key_enqueues_one_run(queue: JobQueue) -> None:
    first = queue.enqueue("digest", {}, unique_key="digest@2026-11-01T09:00:00+08:00")
    again = queue.enqueue("digest", {}, unique_key="digest@2026-11-01T09:00:00+08:00")
    other = queue.enqueue("digest", {}, unique_key="digest@2026-11-02T09:00:00+08:00")
    assert first is not None and again is None and other is not None


def test_finished_jobs_are_pruned_after_a_while(queue: JobQueue, db: Database, clock: Clock) -> None:
    done = queue.enqueue("test", {})
    queue.run_next({"test": lambda payload: None})
    running = queue.enqueue("test", {})
    waiting = queue.enqueue("test", {})
    claimed = queue.claim()  # the oldest runnable one
    assert claimed is not None and claimed.id == running
    clock.advance(3599)
    assert queue.prune() == 0
    clock.advance(2)
    assert queue.prune() == 1
    with db.read() as session:
        left = {job.id: job.state for job in session.scalars(select(Job))}
    assert done not in left and waiting in left and running in left
    assert left[running] == RUNNING and left[waiting] == QUEUED


# -- Slack jobs, run by the real adapter --------------------------------------------------------------
def _help_job(rig: SlackRig, trigger_id: str) -> dict[str, Any]:
    import urllib.parse

    body = dict(urllib.parse.parse_qsl(command_body(
        "/sellerguard", "help", response_url=rig.fake.webhook_url(), trigger_id=trigger_id)))
    return {"listener": "on_command", "body": body, "context": {"bot_user_id": "UBOT"}}


def test_a_slack_job_reclaimed_after_its_worker_died_answers_once(
        start_slack: Callable[..., SlackRig], db: Database, clock: Clock) -> None:
    rig = start_slack()
    adapter = rig.adapter
    queue = JobQueue(db, clock=clock, lease_seconds=LEASE)
    job_id = queue.enqueue("slack", _help_job(rig, "trig.died"), delivery_key="slack:command:trig.died")
    assert job_id is not None
    assert queue.claim() is not None  # the worker that took it died before answering
    clock.advance(LEASE + 1)
    assert queue.run_next({"slack": adapter.run_job}) is True
    assert queue.run_next({"slack": adapter.run_job}) is False
    hooks = rig.fake.wait_for("webhook")
    assert len(hooks) == 1 and hooks[0].params["response_type"] == "ephemeral"
    assert _row(db, job_id).state == DONE
    # the same delivery arriving again (Slack's retry) is dropped by the listener itself
    adapter.run_listener("on_command", _help_job(rig, "trig.died")["body"], {})
    assert len(rig.fake.of("webhook")) == 1


def test_a_slash_command_goes_through_the_queue_to_a_worker_process(
        start_slack: Callable[..., SlackRig], db: Database, start_process: Callable[..., Any]) -> None:
    rig = start_slack(queued=True, embedded_worker=False)
    worker = start_process("worker", settings=rig.adapter.guard.settings)
    response = rig.command("/sellerguard", "help", trigger_id="trig.queued")
    assert response.status_code == 200 and response.text == ""
    retry = rig.command("/sellerguard", "help", trigger_id="trig.queued",
                        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200
    hook = rig.fake.wait_for("webhook", timeout=60)[0]
    assert hook.params["response_type"] == "ephemeral" and hook.params["blocks"][0]["type"] == "header"
    assert stop(worker) == 0  # the worker finishes what it took
    with db.read() as session:
        jobs = [(job.state, job.payload["listener"]) for job in session.scalars(select(Job))]
    assert jobs == [(DONE, "on_command")], "one job, done: the retry made no second one"
    assert len(rig.fake.of("webhook")) == 1


def test_a_request_the_database_refuses_after_the_ack_is_reported_to_the_user(
        start_slack: Callable[..., SlackRig]) -> None:
    from sqlalchemy.exc import OperationalError

    rig = start_slack(queued=True)

    def refuse(*args: Any, **kwargs: Any) -> int:
        raise OperationalError("INSERT INTO jobs", {}, Exception("database is locked"))

    rig.adapter.queue.enqueue = refuse  # type: ignore[method-assign]
    response = rig.command("/sellerguard", "help", trigger_id="trig.refused")
    assert response.status_code == 200 and response.text == ""  # acked before the store failed
    hook = rig.fake.wait_for("webhook")[0]
    assert hook.params["response_type"] == "ephemeral"
    assert "could not take that request" in hook.params["text"]
