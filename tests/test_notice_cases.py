"""The cases service and its schema: deadlines, migrations matching the models, step states."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from chatbot.db import Database
from chatbot.db.migrate import upgrade
from chatbot.db.registry import metadata
from chatbot.notices.cases import CaseNotFound, CaseService, Owner
from chatbot.notices.deadlines import add_business_days
from chatbot.notices.parser import parse_notice

ALICE = Owner("console", "alice")


@pytest.mark.parametrize("start, days, expected", [
    (date(2026, 11, 27), 10, date(2026, 12, 11)),  # Friday → two weeks later, Friday
    (date(2026, 11, 28), 1, date(2026, 11, 30)),  # Saturday → Monday
    (date(2026, 11, 30), 14, date(2026, 12, 18)),
    (date(2026, 11, 30), 0, date(2026, 11, 30)),
])
def test_business_days(start, days, expected):
    assert add_business_days(start, days) == expected


def test_the_migration_matches_the_models(fresh_database_url):
    db = Database(fresh_database_url)
    upgrade(db)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        drift = [d for d in compare_metadata(context, metadata) if "case" in str(d)]
    db.dispose()
    assert drift == []


def test_open_update_and_deadlines(app):
    app.ctx.clock = lambda: datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    service = CaseService(app.ctx)
    case = service.open(ALICE, "en")
    assert [(d.kind, d.due_at.date()) for d in case.deadlines] == [("inventory_removal", date(2027, 2, 27))]
    case = service.update(case.id, ALICE, notice=parse_notice(
        "Infringement type: Patent\nComplaint ID: 14420076315\nDate: 2026-11-20\nASIN: B0B7R2WQ9X"))
    due = {d.kind: d.due_at.date() for d in case.deadlines}
    assert due == {"inventory_removal": date(2027, 2, 18), "apex_response": date(2026, 12, 11)}
    case = service.update(case.id, ALICE, complaint_type="copyright")
    assert {d.kind for d in case.deadlines} == {"inventory_removal"}


def test_facts_from_a_later_notice_never_blank_what_is_known(app):
    service = CaseService(app.ctx)
    first = parse_notice("Complaint ID: 11874563201\nRights owner: Verdana\nASIN: B08KX7QZ4M")
    case = service.open(ALICE, "en", first)
    later = parse_notice("ASIN: B08KX7QZ5N\nInfringement type: Copyright")
    case = service.update(case.id, ALICE, notice=later)
    assert case.complaint_id == "11874563201" and case.rights_owner == "Verdana"
    assert case.asins == ["B08KX7QZ4M", "B08KX7QZ5N"] and case.complaint_type == "copyright"


def test_steps_by_number_or_id_and_unknown_ones(app):
    service = CaseService(app.ctx)
    case = service.open(ALICE, "en", complaint_type="trademark")
    case = service.set_step(case.id, ALICE, "3", "skipped")
    assert case.steps == {"trademark_check": "skipped"}
    case = service.set_step(case.id, ALICE, "trademark_check", "todo")
    assert case.steps == {}
    with pytest.raises(KeyError):
        service.set_step(case.id, ALICE, "counter_notice", "done")  # not a trademark step
    with pytest.raises(CaseNotFound):
        service.set_step(case.id, Owner("console", "bob"), "1", "done")


def test_a_seller_sees_only_their_cases(app):
    service = CaseService(app.ctx)
    mine = service.open(ALICE, "en")
    service.open(Owner("console", "bob"), "en")
    assert [c.id for c in service.list_for(ALICE)] == [mine.id]
    assert service.latest(Owner("slack", "nobody")) is None
    with pytest.raises(CaseNotFound):
        service.get(mine.id, Owner("console", "bob"))
    assert service.get(mine.id, ALICE).id == mine.id
    with pytest.raises(AttributeError):  # no "any owner" read: every path names the person
        service.get(mine.id, None)  # type: ignore[arg-type]
