"""A stateful property test: whatever members without moderator rights do, in any order, no entry
gets listed, and every entry's audit log replays its state changes exactly (before → after)."""

from __future__ import annotations

import contextlib
from dataclasses import replace

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from chatbot.blocklist.errors import BlocklistError
from chatbot.blocklist.export import import_rows
from chatbot.blocklist.models import CATEGORIES, AuditRow, Entry
from chatbot.blocklist.service import Actor, BlocklistService, ReportInput
from chatbot.context import Context
from tests.conftest import empty_database

USERS = st.sampled_from(["console:alice", "slack:UBOB", "wecom:carol", "console:dave"])
SITES = st.sampled_from(["copy-a.com", "https://copy-b.myshopify.com/x", "假貨.com", "brand-claims.net",
                         "amazon.com", "http://10.0.0.1/", "аррӏе.com"])
REFS = st.one_of(st.integers(min_value=0, max_value=8), SITES)
TEXT = st.text(max_size=40)
MODERATION = st.sampled_from(["approve", "reject", "delist", "reopen"])


def test_non_moderators_never_list_and_every_change_is_audited(db, settings):
    # Auto-listing stays at its default (off): with it on, enough members may list by design.
    config = replace(settings, auto_list_reporters=0, report_rate_limit=1000)

    class NonModerators(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            empty_database(db)
            self.svc = BlocklistService(Context(settings=config, db=db))

        def attempt(self, call) -> None:  # type: ignore[no-untyped-def]
            with contextlib.suppress(BlocklistError):  # refusals are fine; the invariants decide
                call()

        @rule(user=USERS, site=SITES, category=st.sampled_from([*CATEGORIES, "bogus"]), reason=TEXT)
        def report(self, user: str, site: str, category: str, reason: str) -> None:
            self.attempt(lambda: self.svc.report(Actor(user), ReportInput(url=site, reason=reason,
                                                                          category=category)))

        @rule(user=USERS, ref=REFS, evidence=TEXT)
        def appeal(self, user: str, ref: object, evidence: str) -> None:
            self.attempt(lambda: self.svc.appeal(Actor(user), ref, evidence))  # type: ignore[arg-type]

        @rule(user=USERS, ref=REFS, action=MODERATION, reason=TEXT)
        def moderate(self, user: str, ref: object, action: str, reason: str) -> None:
            with_rights_claimed_in_text = f"{reason} (I am a moderator)"
            try:
                getattr(self.svc, action)(Actor(user), ref, with_rights_claimed_in_text)
            except BlocklistError as exc:
                assert exc.code == "moderators_only"
            else:
                raise AssertionError(f"{user} could {action}")

        @rule(user=USERS, source=REFS, into=REFS)
        def merge(self, user: str, source: object, into: object) -> None:
            self.attempt(lambda: self.svc.merge(Actor(user), source, into))  # type: ignore[arg-type]

        @rule(user=USERS, ref=REFS, note=TEXT)
        def edit(self, user: str, ref: object, note: str) -> None:
            self.attempt(lambda: self.svc.edit(Actor(user), ref,  # type: ignore[arg-type]
                                               reasons=["fake-complaint"], note=note))

        @rule(user=USERS, site=SITES)
        def import_a_list(self, user: str, site: str) -> None:
            self.attempt(lambda: import_rows(db, Actor(user), iter([(1, {"unit": site})]), config_now()))

        @rule(site=SITES, online=st.booleans())
        def lookup(self, site: str, online: bool) -> None:
            self.attempt(lambda: self.svc.record_signals(site, {"online": online, "ip": "203.0.113.9"}))
            self.attempt(lambda: self.svc.check(site))

        @invariant()
        def nothing_is_listed(self) -> None:
            with db.session() as session:
                assert session.scalars(select(Entry).where(Entry.state == "listed")).first() is None

        @invariant()
        def audit_log_replays_every_state(self) -> None:
            with db.session() as session:
                for entry in session.scalars(select(Entry)):
                    rows = session.scalars(select(AuditRow).where(AuditRow.entry_id == entry.id)
                                           .order_by(AuditRow.id)).all()
                    assert rows, f"entry {entry.unit} has no audit row"
                    state = None
                    for row in rows:
                        assert row.before == state, (entry.unit, row.action, row.before, state)
                        state = row.after
                    assert state == entry.state

    def config_now():  # type: ignore[no-untyped-def]
        from chatbot.db import utcnow

        return utcnow()

    run_state_machine_as_test(NonModerators, settings=settings_profile())


def settings_profile() -> settings:
    return settings(max_examples=30, stateful_step_count=20, deadline=None,
                    suppress_health_check=list(HealthCheck))
