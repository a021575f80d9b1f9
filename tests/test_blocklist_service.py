"""BlocklistService: reports, moderation, appeals, audit, rate limits, auto-listing, signals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from chatbot.blocklist.errors import BlocklistError
from chatbot.blocklist.models import AuditRow, Entry, Report, Signal
from chatbot.blocklist.service import Actor, BlocklistService, ReportInput

ALICE, BOB, CAROL = Actor("console:alice"), Actor("slack:UBOB"), Actor("wecom:carol")
MOD, MOD2 = Actor("console:mod", True), Actor("console:mod2", True)


@pytest.fixture
def svc(app) -> BlocklistService:
    return app.ctx.service(BlocklistService)


def report(svc, actor=ALICE, url="https://fake-brand.myshopify.com/products/bag", reason="sent a fake "
           "trademark complaint", **extra) -> dict:
    return svc.report(actor, ReportInput(url=url, reason=reason, **extra))


def counts(db) -> tuple[int, int, int]:
    with db.session() as s:
        return (s.scalar(select(func.count(Entry.id))), s.scalar(select(func.count(Report.id))),
                s.scalar(select(func.count(AuditRow.id))))


def refused(call, code: str, kind: str = "refused") -> BlocklistError:
    with pytest.raises(BlocklistError) as caught:
        call()
    assert (caught.value.code, caught.value.kind) == (code, kind)
    return caught.value


def test_report_gives_a_receipt_and_check_shows_it(svc):
    receipt = report(svc, category="fake-complaint", complaint_id="1234567890",
                     rights_owner_email="IP-Team@Brand-Claims.com", links=("https://imgur.com/a/x",))
    assert receipt["state"] == "reported" and receipt["unit"] == "fake-brand.myshopify.com"
    assert receipt["reporters"] == 1 and not receipt["duplicate"] and receipt["id"] > 0
    result = svc.check("fake-brand.myshopify.com")
    assert result["state"] == "reported" and result["id"] == receipt["id"]
    assert result["reasons"] == ["fake-complaint"] and result["reporters"] == 1
    assert result["first_reported"].endswith("Z") and result["related"] == []
    assert result["signals"]["email"] == ["ip-team@brand-claims.com"]
    assert svc.check("nowhere-shop.com")["state"] == "not_found"


def test_one_reporter_counts_once_and_independent_reporters_add_up(svc):
    first = report(svc)
    again = report(svc, reason="and again")
    assert again["duplicate"] and again["report_id"] == first["report_id"] and again["reporters"] == 1
    other = report(svc, BOB, url="fake-brand.myshopify.com", category="copycat-store")
    assert other["reporters"] == 2 and other["id"] == first["id"]
    assert other["reasons"] == ["copycat-store", "other"]
    assert counts(svc.db) == (1, 2, 2)


def test_non_moderators_cannot_moderate_and_reporters_cannot_approve_their_own(svc):
    entry = report(svc, MOD)["id"]
    for call in (lambda: svc.approve(ALICE, entry), lambda: svc.reject(ALICE, entry, "no"),
                 lambda: svc.delist(ALICE, entry), lambda: svc.queue(ALICE), lambda: svc.audit(ALICE, entry),
                 lambda: svc.merge(ALICE, entry, entry), lambda: svc.edit(ALICE, entry, note="x")):
        refused(call, "moderators_only")
    refused(lambda: svc.approve(MOD, entry), "own_report")
    assert svc.approve(MOD2, entry)["state"] == "listed"
    assert svc.check("fake-brand.myshopify.com")["state"] == "listed"


def test_full_lifecycle_is_audited_before_and_after(svc):
    entry = report(svc)["id"]
    svc.approve(MOD, entry, "two complaints with the same fake rights owner")
    svc.appeal(BOB, entry, "I own this store since 2019; see our trademark US 1234567")
    assert svc.check("fake-brand.myshopify.com")["state"] == "disputed"
    refused(lambda: svc.appeal(CAROL, entry, "me too"), "already_disputed")
    svc.delist(MOD2, entry, "owner proved the store predates the complaint")
    svc.reopen(MOD, entry, "new evidence")
    svc.reject(MOD, entry, "evidence is a screenshot of our own listing")
    rows = svc.audit(MOD, entry)
    assert [(r["action"], r["before"], r["after"]) for r in rows] == [
        ("create", None, "reported"),
        ("approve", "reported", "listed"),
        ("appeal", "listed", "disputed"),
        ("delist", "disputed", "delisted"),
        ("reopen", "delisted", "reported"),
        ("reject", "reported", "rejected"),
    ]
    assert rows[2]["actor"] == "slack:UBOB" and "trademark" in rows[2]["reason"]
    assert rows[3]["actor"] == "console:mod2" and rows[3]["reason"].startswith("owner proved")


def test_wrong_state_missing_ids_and_empty_reasons(svc):
    entry = report(svc)["id"]
    refused(lambda: svc.delist(MOD, entry), "wrong_state")
    refused(lambda: svc.reopen(MOD, entry), "wrong_state")
    refused(lambda: svc.approve(MOD, 9999), "not_found")
    refused(lambda: svc.approve(MOD, "never-reported.com"), "not_found")
    refused(lambda: svc.reject(MOD, entry, "  "), "empty_decision_reason", "invalid")
    refused(lambda: svc.appeal(BOB, entry, ""), "empty_evidence", "invalid")
    refused(lambda: svc.merge(MOD, entry, entry), "merge_same", "invalid")
    assert counts(svc.db) == (1, 1, 1)  # nothing half-written by any refusal


def test_approving_by_domain_or_hash_id(svc):
    entry = report(svc)["id"]
    assert svc.approve(MOD, f"#{entry}")["state"] == "listed"
    report(svc, url="copy-cat-outlet.com")
    assert svc.approve(MOD, "https://www.copy-cat-outlet.com/x")["state"] == "listed"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"url": "http://10.0.0.5/"}, "site_ip_address"),
        ({"url": "not a site"}, "site_not_domain"),
        ({"url": ""}, "site_empty"),
        ({"reason": ""}, "empty_reason"),
        ({"reason": "x" * 10_000}, "reason_too_long"),
        ({"category": "spam"}, "unknown_category"),
        ({"rights_owner_email": "not-an-email"}, "bad_email"),
        ({"complaint_id": "12 34; DROP"}, "bad_complaint_id"),
        ({"links": ("javascript:alert(1)",)}, "site_scheme"),
        ({"notes": "n" * 5000}, "notes_too_long"),
        ({"url": "copy\x00.com"}, "site_not_domain"),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_written(svc, fields, code):
    data = {"url": "fake-brand.com", "reason": "fake complaint", **fields}
    refused(lambda: svc.report(ALICE, ReportInput(**data)), code, "invalid")
    assert counts(svc.db) == (0, 0, 0)


@pytest.mark.parametrize("url", ["amazon.com", "https://www.amazon.co.jp/dp/B0", "shopify.com", "etsy.com"])
def test_guardrails_refuse_marketplaces_and_platforms(svc, url):
    error = refused(lambda: report(svc, url=url), "protected")
    assert error.params["match"]
    assert counts(svc.db) == (0, 0, 0)


def test_lookalike_names_are_flagged_for_moderators_and_never_auto_listed(svc, with_settings):
    with_settings(auto_list_reporters=2)
    svc = with_settings().ctx.service(BlocklistService)
    receipt = report(svc, url="аррӏе.com")
    assert receipt["flags"] == ["lookalike"] and receipt["lookalike"]
    assert report(svc, BOB, url="аррӏе.com")["state"] == "reported"
    assert svc.queue(MOD)[0]["flags"] == ["lookalike"]


def test_per_user_rate_limit(svc, with_settings):
    svc = with_settings(report_rate_limit=3, report_rate_window_seconds=3600).ctx.service(BlocklistService)
    for n in range(3):
        report(svc, url=f"copycat-{n}.com")
    error = refused(lambda: report(svc, url="copycat-9.com"), "rate_limited")
    assert error.params == {"limit": 3, "minutes": 60}
    assert report(svc, BOB, url="copycat-9.com")["state"] == "reported"  # others are not limited


def test_rate_limit_window_moves_with_the_clock(app, with_settings):
    from datetime import timedelta

    with_settings(report_rate_limit=1, report_rate_window_seconds=600)
    start = app.ctx.clock()
    app.ctx.clock = lambda: start
    svc = app.ctx.service(BlocklistService)
    report(svc, url="copycat-1.com")
    refused(lambda: report(svc, url="copycat-2.com"), "rate_limited")
    app.ctx.clock = lambda: start + timedelta(seconds=601)
    assert report(svc, url="copycat-2.com")["state"] == "reported"


def test_auto_listing_after_n_independent_reporters(with_settings):
    svc = with_settings(auto_list_reporters=3).ctx.service(BlocklistService)
    assert report(svc, ALICE)["state"] == "reported"
    assert report(svc, ALICE)["state"] == "reported"  # the same reporter again does not count
    assert report(svc, BOB)["state"] == "reported"
    listed = report(svc, CAROL)
    assert listed["state"] == "listed" and listed["reporters"] == 3
    rows = svc.audit(MOD, listed["id"])
    assert rows[-1]["actor"] == "system:auto-list" and rows[-1]["after"] == "listed"


def test_auto_listing_is_off_by_default(svc):
    for actor in (ALICE, BOB, CAROL, Actor("console:dave"), Actor("console:erin")):
        report(svc, actor)
    assert svc.check("fake-brand.myshopify.com")["state"] == "reported"


def test_queue_shows_evidence_and_appeals(svc):
    entry = report(svc, complaint_id="ABC-123", rights_owner="Brand Guard Ltd",
                   rights_owner_email="legal@brandguard-ip.com", notes="same e-mail in 3 complaints")["id"]
    report(svc, BOB, url="second-copycat.com")
    svc.approve(MOD, entry)
    svc.appeal(CAROL, entry, "the store is ours, registered 2018")
    queue = svc.queue(MOD)
    assert [q["state"] for q in queue] == ["disputed", "reported"]
    first = queue[0]
    assert first["reports"][0]["complaint_id"] == "ABC-123"
    assert first["reports"][0]["reporter"] == "console:alice"
    assert first["appeal"]["by"] == "wecom:carol"


def test_merge_moves_reports_and_check_follows(svc):
    a = report(svc, ALICE, url="brand-claims.com")["id"]
    report(svc, BOB, url="brand-claims.com")
    b = report(svc, CAROL, url="brand-claims-center.com", category="scam-email")["id"]
    report(svc, ALICE, url="brand-claims-center.com")  # alice reported both: still counts once
    merged = svc.merge(MOD, b, a, "same operator")
    assert merged["id"] == a and merged["reporters"] == 3
    assert merged["reasons"] == ["other", "scam-email"]
    result = svc.check("brand-claims-center.com")
    assert result["id"] == a and result["merged_from"] == b and result["state"] == "reported"
    refused(lambda: svc.approve(MOD, b), "wrong_state")
    assert svc.approve(MOD2, a)["state"] == "listed"
    assert [r["action"] for r in svc.audit(MOD, b)][-1] == "merge"
    assert [r["action"] for r in svc.audit(MOD, a)][-2:] == ["merge_in", "approve"]


def test_reporter_of_a_merged_duplicate_cannot_approve_the_target(svc):
    a = report(svc, ALICE, url="brand-claims.com")["id"]
    b = report(svc, MOD, url="brand-claims-center.com")["id"]
    svc.merge(MOD2, b, a)
    refused(lambda: svc.approve(MOD, a), "own_report")


def test_edit_reasons_and_note(svc):
    entry = report(svc)["id"]
    edited = svc.edit(MOD, entry, reasons=["scam-email", "fake-complaint"], note="operator also runs x.com")
    assert edited["reasons"] == ["fake-complaint", "scam-email"]
    refused(lambda: svc.edit(MOD, entry, reasons=["nonsense"]), "unknown_category", "invalid")
    refused(lambda: svc.edit(MOD, entry), "edit_nothing", "invalid")
    row = svc.audit(MOD, entry)[-1]
    assert row["action"] == "edit" and row["detail"]["reasons"]["after"] == ["fake-complaint", "scam-email"]


def test_related_entries_share_signals_from_reports_and_lookups(svc):
    report(svc, url="brand-claims.com", rights_owner_email="legal@brandguard-ip.com")
    report(svc, BOB, url="cheap-copies.shop", reason="complaint came from legal@brandguard-ip.com")
    report(svc, CAROL, url="unrelated-store.com")
    svc.record_signals("https://www.unrelated-store.com/", {"ip": "203.0.113.7", "registrar": "GoDaddy",
                                                            "online": True})
    svc.record_signals("lookup-only-site.com", {"ip": "203.0.113.7", "store_id": "55501"})
    svc.record_signals("cheap-copies.shop", {"store_id": "55501", "registrar": "GoDaddy"})
    result = svc.check("brand-claims.com")
    assert [(r["unit"], r["via"]) for r in result["related"]] == [("cheap-copies.shop", ["email"])]
    copies = svc.check("cheap-copies.shop")
    assert {r["unit"] for r in copies["related"]} == {"brand-claims.com"}  # a site without an entry is hidden
    svc.record_signals("unrelated-store.com", {"store_id": "55501"})
    via = {r["unit"]: r["via"] for r in svc.check("cheap-copies.shop")["related"]}
    assert via == {"brand-claims.com": ["email"], "unrelated-store.com": ["store_id"]}
    # A registrar alone never links: thousands of unrelated sites share one.
    assert "registrar" not in str(svc.check("unrelated-store.com")["related"])


def test_liveness_online_offline_and_taken_down(svc):
    from datetime import UTC, datetime

    report(svc, url="copy-shop.com")
    t1, t2, t3 = (datetime(2026, 11, d, 8, 0, tzinfo=UTC) for d in (1, 2, 3))
    svc.record_signals("copy-shop.com", {"online": True, "checked_at": t1})
    live = svc.check("copy-shop.com")["liveness"]
    assert live == {"online": True, "last_checked": "2026-11-01T08:00:00Z",
                    "last_seen_online": "2026-11-01T08:00:00Z", "taken_down_at": None}
    svc.record_signals("copy-shop.com", {"liveness": {"online": False, "checked_at": t2}})
    svc.record_signals("copy-shop.com", {"online": False, "checked_at": t3})
    live = svc.check("copy-shop.com")["liveness"]
    assert live["online"] is False and live["taken_down_at"] == "2026-11-02T08:00:00Z"
    assert live["last_checked"] == "2026-11-03T08:00:00Z"


def test_record_signals_ignores_junk_and_non_sites(svc):
    assert svc.record_signals("copy-shop.com",
                              {"ip": ["", None, "198.51.100.1"], "whatever": "x", "store_id": "9" * 400})
    with svc.db.engine.connect() as conn:
        rows = conn.execute(select(Signal.kind, Signal.value)).all()
    assert rows == [("ip", "198.51.100.1")]
    assert svc.record_signals("http://127.0.0.1/", {"ip": "127.0.0.1", "online": True}) is False
    assert svc.record_signals("myshopify.com", {"ip": "23.227.38.65"}) is False
    with svc.db.engine.connect() as conn:
        assert conn.execute(select(func.count(Signal.id))).scalar() == 1


def test_search_by_domain_part_and_complainant_email(svc):
    report(svc, url="brand-claims.com", rights_owner_email="legal@brandguard-ip.com")
    report(svc, url="cozy-copy.myshopify.com")
    assert [e["unit"] for e in svc.search("claims")] == ["brand-claims.com"]
    assert [e["unit"] for e in svc.search("LEGAL@brandguard-ip.com")] == ["brand-claims.com"]
    assert [e["unit"] for e in svc.search("https://cozy-copy.myshopify.com/x")] == ["cozy-copy.myshopify.com"]
    assert svc.search("100%_") == []
    refused(lambda: svc.search("ab"), "search_too_short", "invalid")


def test_recent_lists_open_and_listed_entries_newest_first(svc):
    first = report(svc, url="first-copy.com")["id"]
    second = report(svc, url="second-copy.com")["id"]
    third = report(svc, url="third-copy.com")["id"]
    svc.reject(MOD, second, "not a copy")
    svc.approve(MOD, first)
    assert [e["id"] for e in svc.recent()] == [first, third]
    assert [e["id"] for e in svc.recent(listed_only=True)] == [first]


def test_audit_rows_are_append_only(svc):
    entry = report(svc)["id"]
    with pytest.raises(PermissionError), svc.db.session() as s:
        row = s.scalars(select(AuditRow).where(AuditRow.entry_id == entry)).one()
        row.reason = "rewritten"
    with pytest.raises(PermissionError), svc.db.session() as s:
        s.delete(s.scalars(select(AuditRow)).one())
    assert svc.audit(MOD, entry)[0]["reason"] == ""


def test_control_characters_are_dropped_before_storing(svc):
    receipt = report(svc, url="https://copy.com/a\x00b", reason="fake\x00 complaint\x07",
                     notes="see\x00 attached", links=("https://imgur.com/\x00x",))
    [row] = svc.queue(MOD)[0]["reports"]
    assert receipt["state"] == "reported"
    assert (row["url"], row["reason"], row["notes"], row["links"]) == (
        "https://copy.com/ab", "fake complaint", "see attached", ["https://imgur.com/x"])
