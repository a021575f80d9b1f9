"""Exports carry only listed entries with neutral facts; import is idempotent; export → import →
export is identical; the HTTP feed streams with ETag/If-None-Match and ?since=."""

from __future__ import annotations

import csv
import io
import json
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.applications import Starlette

with warnings.catch_warnings():  # Starlette nudges towards httpx2; httpx is what we ship
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from chatbot.blocklist.errors import BlocklistError
from chatbot.blocklist.export import export, import_rows, parse_since, read_rows
from chatbot.blocklist.http import routes
from chatbot.blocklist.service import Actor, BlocklistService, ReportInput
from chatbot.context import Context
from chatbot.db import Database
from chatbot.db.migrate import upgrade

FIXTURES = Path(__file__).parent / "fixtures" / "blocklist"
MOD, MOD2 = Actor("console:mod", True), Actor("console:mod2", True)


@pytest.fixture
def svc(app) -> BlocklistService:
    return app.ctx.service(BlocklistService)


def seed(svc: BlocklistService) -> dict[str, int]:
    """Listed, reported, rejected and delisted entries, with free-text reasons and reporters."""
    ids = {}
    for n, (url, category) in enumerate([("brand-claims.com", "fake-complaint"),
                                         ("cozy-copy.myshopify.com", "copycat-store"),
                                         ("假貨.com", "scam-email"), ("pending-copy.com", "other"),
                                         ("rejected-copy.com", "other"), ("delisted-copy.com", "other")]):
        receipt = svc.report(Actor(f"console:member{n}"), ReportInput(
            url=url, reason=f"SECRET ACCUSATION {n}", category=category))
        ids[receipt["unit"]] = receipt["id"]
    for unit in ("brand-claims.com", "cozy-copy.myshopify.com", "xn--sxqx58l.com", "delisted-copy.com"):
        svc.approve(MOD, ids[unit])
    svc.reject(MOD, ids["rejected-copy.com"], "not a copy")
    svc.delist(MOD, ids["delisted-copy.com"], "owner proved it")
    svc.record_signals("brand-claims.com", {"online": False})
    svc.record_signals("cozy-copy.myshopify.com", {"online": True})
    return ids


def text(db, fmt, since=None) -> str:
    return "".join(export(db, fmt, since))


def test_exports_hold_only_listed_entries_and_neutral_fields(svc):
    seed(svc)
    rows = list(csv.DictReader(io.StringIO(text(svc.db, "csv"))))
    assert [r["unit"] for r in rows] == ["brand-claims.com", "cozy-copy.myshopify.com", "xn--sxqx58l.com"]
    assert rows[0]["reasons"] == "fake-complaint" and rows[0]["online"] == "no" and rows[1]["online"] == "yes"
    assert rows[2]["unicode_unit"] == "假貨.com" and rows[2]["online"] == ""
    document = json.loads(text(svc.db, "json"))
    assert document["format"] == "sellerguard-blocklist/1" and len(document["entries"]) == 3
    assert set(document["entries"][0]) == {"unit", "unicode_unit", "reasons", "first_reported", "listed_at",
                                           "online"}
    plain = text(svc.db, "txt").splitlines()
    assert plain[1:] == ["brand-claims.com", "cozy-copy.myshopify.com", "xn--sxqx58l.com"]
    for fmt in ("csv", "json", "txt"):
        body = text(svc.db, fmt)
        assert "SECRET" not in body and "member" not in body and "console:" not in body


def test_since_selects_recent_changes(svc, app):
    seed(svc)
    later = app.ctx.clock() + timedelta(hours=1)
    assert text(svc.db, "txt", later).splitlines()[1:] == []
    earlier = app.ctx.clock() - timedelta(hours=1)
    assert len(text(svc.db, "txt", earlier).splitlines()) == 4


def test_parse_since():
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("2026-11-01", now) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since("2026-11-01T08:00:00Z", now) == datetime(2026, 11, 1, 8, tzinfo=UTC)
    assert parse_since("", now) is None
    for bad in ("yesterday", "7 days ago", "2026-13-01"):
        with pytest.raises(BlocklistError) as caught:
            parse_since(bad, now)
        assert caught.value.code == "bad_since"


def test_export_import_export_is_identical_in_every_format(svc, fresh_database_url):
    seed(svc)
    other = Database(fresh_database_url)
    upgrade(other)
    try:
        for fmt in ("json", "csv", "txt"):
            exported = text(svc.db, fmt)
            result = import_rows(other, MOD, read_rows(io.StringIO(exported), fmt), datetime.now(UTC))
            again = import_rows(other, MOD, read_rows(io.StringIO(exported), fmt), datetime.now(UTC))
            assert again.created == again.updated == 0 and again.unchanged == 3
            assert text(other, fmt) == exported, fmt
            if fmt == "json":
                assert result.created == 3
    finally:
        other.dispose()


def test_import_fixture_files(svc):
    for name, created in (("seed.csv", 3), ("seed.json", 2), ("seed.txt", 2)):
        with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
            result = import_rows(svc.db, MOD, read_rows(handle, name.rsplit(".", 1)[1]), datetime.now(UTC))
        assert result.created == created, name
    listed = svc.check("https://luxe-outlet-deals.myshoplaza.com/products/bag")
    assert listed["state"] == "listed" and listed["reasons"] == []
    fake = svc.check("假貨.com")
    assert fake["reasons"] == ["copycat-store", "fake-complaint"]
    assert fake["first_reported"] == "2026-07-01T00:00:00Z"
    assert svc.check("brandguard-ip-services.com")["liveness"]["online"] is False
    assert svc.audit(MOD, fake["id"])[0]["action"] == "import"


def test_import_leaves_moderated_entries_alone(svc):
    ids = seed(svc)
    rows = [(1, {"unit": "rejected-copy.com"}), (2, {"unit": "pending-copy.com"}),
            (3, {"unit": "new-copy.com"})]
    result = import_rows(svc.db, MOD, iter(rows), datetime.now(UTC))
    assert (result.created, result.skipped) == (1, 2)
    assert svc.check("rejected-copy.com")["state"] == "rejected"
    assert svc.check("pending-copy.com")["id"] == ids["pending-copy.com"]


@pytest.mark.parametrize(("name", "fmt", "detail"), [("bad_row.csv", "csv", "ip_address"),
                                                      ("protected_row.txt", "txt", "protected")])
def test_a_bad_row_anywhere_imports_nothing(svc, name, fmt, detail):
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle, \
            pytest.raises(BlocklistError) as caught:
        import_rows(svc.db, MOD, read_rows(handle, fmt), datetime.now(UTC))
    assert caught.value.code == "import_bad_row" and detail in caught.value.params["detail"]
    assert caught.value.params["line"] in (2, 3)
    assert text(svc.db, "txt").splitlines()[1:] == []


def test_import_needs_a_moderator_and_a_readable_file(svc):
    with pytest.raises(BlocklistError) as caught:
        import_rows(svc.db, Actor("console:alice"), iter([(1, {"unit": "x-copy.com"})]), datetime.now(UTC))
    assert caught.value.code == "moderators_only"
    for fmt, body in (("json", "{not json"), ("json", '{"entries": 5}'), ("csv", "domain\nx.com\n")):
        with pytest.raises(BlocklistError) as caught:
            list(read_rows(io.StringIO(body), fmt))
        assert caught.value.code == "import_bad_file"


def test_export_pages_through_many_rows_in_unit_order(svc):
    rows = [(n, {"unit": f"copy-{n:05d}.com", "reasons": ["other"]}) for n in range(12_345)]
    import_rows(svc.db, MOD, iter(rows), datetime.now(UTC))
    from chatbot.blocklist.export import iter_listed

    units = [row["unit"] for row in iter_listed(svc.db, page=1000)]
    assert len(units) == 12_345 and units == sorted(units)


# -- the HTTP feed --------------------------------------------------------------------------------
@pytest.fixture
def client(app) -> TestClient:
    return TestClient(Starlette(routes=routes(app.ctx)))


def test_http_feed_formats_and_etag(svc, client):
    seed(svc)
    response = client.get("/blocklist.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert len(response.json()["entries"]) == 3
    etag = response.headers["etag"]
    assert client.get("/blocklist.json", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/blocklist.json", headers={"If-None-Match": f'W/{etag}, "x"'}).status_code == 304
    csv_response = client.get("/blocklist.csv")
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert csv_response.headers["etag"] != etag  # one tag per representation
    assert client.get("/blocklist.txt").text.splitlines()[1] == "brand-claims.com"
    assert client.head("/blocklist.txt").status_code == 200


def test_http_etag_changes_when_the_list_changes(svc, client):
    ids = seed(svc)
    etag = client.get("/blocklist.txt").headers["etag"]
    svc.delist(MOD, ids["brand-claims.com"], "owner proved it")
    changed = client.get("/blocklist.txt", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "brand-claims.com" not in changed.text
    etag = changed.headers["etag"]
    svc.record_signals("cozy-copy.myshopify.com", {"online": False})  # liveness is in the export
    assert client.get("/blocklist.txt", headers={"If-None-Match": etag}).status_code == 200


def test_http_since_and_bad_since(svc, client, app):
    seed(svc)
    future = (app.ctx.clock() + timedelta(days=1)).strftime("%Y-%m-%d")
    assert client.get(f"/blocklist.txt?since={future}").text.splitlines()[1:] == []
    assert len(client.get("/blocklist.txt?since=7d").text.splitlines()) == 4
    bad = client.get("/blocklist.json?since=last-tuesday")
    assert bad.status_code == 400 and bad.json()["error"] == "bad_since"


def test_http_feed_is_empty_but_valid_on_an_empty_list(client):
    assert client.get("/blocklist.json").json() == {"format": "sellerguard-blocklist/1", "entries": []}


def test_feed_works_from_a_context_of_its_own(database_url, db, settings):
    ctx = Context(settings=settings, db=db)
    app = Starlette(routes=routes(ctx))
    assert TestClient(app).get("/blocklist.csv").text.startswith("unit,unicode_unit,reasons")


def test_json_lines_are_exactly_what_json_dumps_writes():
    from chatbot.blocklist.export import _json_line, as_dict

    for row in [("xn--sxqx58l.com", "假貨.com", "copycat-store,fake-complaint", "2026-07-01T00:00:00Z",
                 "2026-07-03T12:00:00Z", None),
                ("copy.com", "copy.com", "", None, "2026-07-03T12:00:00Z", True),
                ("b.myshopify.com", "b.myshopify.com", "other", "2026-07-01T00:00:00Z", None, False)]:
        assert _json_line(row) == json.dumps(as_dict(row), ensure_ascii=False, sort_keys=True)
