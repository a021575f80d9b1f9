"""Trust rules of the blocklist: identity is the person, appeals cannot keep an entry off the feed,
the audit log is append-only in the database itself, and the terminal records who really ran it."""

from __future__ import annotations

import getpass
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from chatbot import identity
from chatbot.blocklist.errors import BlocklistError
from chatbot.blocklist.models import AuditRow, Entry
from chatbot.blocklist.service import Actor, BlocklistService, ReportInput
from chatbot.context import Context

MOD = Actor("console:mod", is_moderator=True)
MOD2 = Actor("console:mod2", is_moderator=True)


class Clock:
    def __init__(self, ctx: Context) -> None:
        self.now = ctx.clock()

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


@pytest.fixture
def ctx(settings, db):  # type: ignore[no-untyped-def]
    context = Context(replace(settings, auto_list_reporters=0), db)
    context.clock = Clock(context)  # type: ignore[misc]
    return context


def service(ctx: Context, **changes: object) -> BlocklistService:
    ctx.settings = replace(ctx.settings, **changes)  # type: ignore[arg-type]
    return BlocklistService(ctx)


def link(ctx: Context, first: str, second: str) -> None:
    """Join two accounts into one person the way /link does."""
    code = identity.new_code(ctx, *first.split(":", 1))
    assert identity.redeem(ctx, *second.split(":", 1), code).status == "linked"


def report(svc: BlocklistService, who: str, url: str = "copycat-shop.com") -> dict:
    return svc.report(Actor(who), ReportInput(url=url, reason="sent a fake trademark complaint"))


def refusal(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(BlocklistError) as caught:
        call()
    return caught.value.code


def test_a_moderator_cannot_approve_their_own_report_through_a_linked_account(ctx):
    """The issue's instance: the check compared platform:user, not the person."""
    svc = service(ctx)
    entry = report(svc, "slack:UMODALT")["id"]
    link(ctx, "slack:UMODALT", "console:mod")
    assert refusal(lambda: svc.approve(MOD, entry)) == "own_report"
    assert svc.approve(MOD2, entry)["state"] == "listed"


def test_linked_accounts_count_once_and_do_not_auto_list(ctx):
    svc = service(ctx, auto_list_reporters=2)
    link(ctx, "slack:UALICE", "console:alice")
    report(svc, "slack:UALICE")
    second = report(svc, "console:alice")
    assert second["duplicate"] and second["reporters"] == 1 and second["state"] == "reported"
    third = report(svc, "console:bob")
    assert (third["reporters"], third["state"]) == (2, "listed")


def test_reporters_linked_after_reporting_count_once(ctx):
    svc = service(ctx, auto_list_reporters=3)
    report(svc, "slack:UCAROL")
    report(svc, "console:carol")
    link(ctx, "slack:UCAROL", "console:carol")
    receipt = report(svc, "console:dave")
    assert receipt["reporters"] == 2 and receipt["state"] == "reported"


def test_the_rate_limit_is_per_person(ctx):
    svc = service(ctx, report_rate_limit=2)
    link(ctx, "slack:UEVE", "console:eve")
    report(svc, "slack:UEVE", "one-copy.com")
    report(svc, "console:eve", "two-copy.com")
    assert refusal(lambda: report(svc, "slack:UEVE", "three-copy.com")) == "rate_limited"
    report(svc, "console:frank", "three-copy.com")  # someone else is not limited


def test_appeals_have_a_cooldown_and_decided_evidence_does_not_reopen(ctx):
    """The issue's instance: the same account appealed again after every decision."""
    svc = service(ctx, appeal_cooldown_seconds=7 * 86400)
    entry = report(svc, "console:gina")["id"]
    svc.approve(MOD, entry)
    owner = Actor("slack:UCOPYCAT")
    assert svc.appeal(owner, entry, "We registered this domain in 2015.")["state"] == "disputed"
    svc.approve(MOD, entry, "registration date is irrelevant")  # uphold: the appeal is decided
    again = "We registered this domain in 2015!"
    assert refusal(lambda: svc.appeal(owner, entry, again)) == "appeal_cooldown"
    assert refusal(lambda: svc.appeal(Actor("console:other"), entry, "new story")) == "appeal_cooldown"
    ctx.clock.now += timedelta(days=8)  # type: ignore[attr-defined]
    assert refusal(lambda: svc.appeal(owner, entry, "we registered this domain in 2015")) == "appeal_decided"
    assert svc.check("copycat-shop.com")["state"] == "listed"
    assert svc.appeal(owner, entry, "Trademark US 1234567 was assigned to us in 2019.")["state"] == "disputed"
    decided = [r for r in svc.audit(MOD, entry) if r["detail"].get("appeal_decided")]
    assert [r["action"] for r in decided] == ["approve"]


def test_appeals_count_against_the_rate_limit(ctx):
    svc = service(ctx, report_rate_limit=2, appeal_cooldown_seconds=0, appeal_person_cooldown_seconds=0)
    entries = [report(svc, "console:hank", f"copy-{n}.com")["id"] for n in range(2)]
    for entry in entries:
        svc.approve(MOD, entry)
    mallory = Actor("slack:UMAL")
    svc.appeal(mallory, entries[0], "first evidence")
    svc.appeal(mallory, entries[1], "second evidence")
    assert refusal(lambda: report(svc, "slack:UMAL", "copy-9.com")) == "rate_limited"


def test_one_person_waits_between_appeals_whichever_account_or_entry(ctx):
    """Per appellant: a second appeal from the same person (another linked account, another
    entry) waits for SELLERGUARD_APPEAL_PERSON_COOLDOWN; another person does not."""
    svc = service(ctx, appeal_cooldown_seconds=0, appeal_person_cooldown_seconds=3600)
    entries = [report(svc, "console:jane", f"copy-{n}.com")["id"] for n in range(3)]
    for entry in entries:
        svc.approve(MOD, entry)
    link(ctx, "slack:UOWNER", "console:owner")
    assert svc.appeal(Actor("slack:UOWNER"), entries[0], "first evidence")["state"] == "disputed"
    assert refusal(lambda: svc.appeal(Actor("console:owner"), entries[1], "other evidence")) \
        == "appeal_person_cooldown"
    assert svc.appeal(Actor("console:someone"), entries[1], "their evidence")["state"] == "disputed"
    ctx.clock.now += timedelta(minutes=61)  # type: ignore[attr-defined]
    assert svc.appeal(Actor("console:owner"), entries[2], "later evidence")["state"] == "disputed"


def test_the_audit_log_refuses_update_and_delete_in_the_database(ctx):
    svc = service(ctx)
    entry = report(svc, "console:ivan")["id"]
    for statement in ("UPDATE blocklist_audit SET reason = 'rewritten'", "DELETE FROM blocklist_audit",
                      f"DELETE FROM blocklist_entries WHERE id = {entry}"):
        with pytest.raises(DBAPIError), ctx.db.engine.begin() as conn:
            conn.execute(text(statement))
    with ctx.db.session() as session:
        assert session.scalar(select(Entry.id).where(Entry.id == entry)) == entry
        assert session.scalars(select(AuditRow.reason)).all() == [""]
    if not ctx.db.is_sqlite:
        with pytest.raises(DBAPIError), ctx.db.engine.begin() as conn:
            conn.execute(text("TRUNCATE blocklist_audit"))


def test_the_terminal_records_the_os_user_beside_the_claimed_identity(run_cli, db):
    proc = run_cli("blocklist", "report", "terminal-copy.com", "fake", "complaint", "--user", "console:mod",
                   "--json")
    assert proc.returncode == 0, proc.stderr
    entry = json.loads(proc.stdout)["id"]
    with db.session() as session:
        row = session.scalars(select(AuditRow).where(AuditRow.entry_id == entry)).one()
        assert (row.actor, row.os_user) == ("console:mod", getpass.getuser())


def test_the_audit_migration_goes_down_and_up_again(fresh_database_url):
    from alembic import command

    from chatbot.db import Database
    from chatbot.db.migrate import alembic_config, upgrade

    database = Database(fresh_database_url)
    try:
        upgrade(database)
        command.downgrade(alembic_config(database), "0008")
        entry = ("INSERT INTO blocklist_entries (unit, unicode_unit, registrable, state, reasons, reporters, "
                 "flags, note, first_reported, updated_at) VALUES ('a.example', 'a.example', 'a.example', "
                 "'reported', '', 0, '', '', '2026-01-01', '2026-01-01')")
        audit = ("INSERT INTO blocklist_audit (entry_id, actor, action, reason, detail, created_at) "
                 "SELECT id, 'console:x', 'create', '', '{}', '2026-01-01' FROM blocklist_entries")
        with database.engine.begin() as conn:  # no triggers left: an audit row may change again
            conn.execute(text(entry))
            conn.execute(text(audit))
            conn.execute(text("UPDATE blocklist_audit SET reason = 'changed'"))
        upgrade(database)
        with pytest.raises(DBAPIError), database.engine.begin() as conn:
            conn.execute(text("UPDATE blocklist_audit SET reason = 'again'"))
        with database.engine.connect() as conn:
            rows = conn.execute(text("SELECT reason, os_user FROM blocklist_audit")).all()
        assert [tuple(r) for r in rows] == [("changed", None)]
    finally:
        database.dispose()
