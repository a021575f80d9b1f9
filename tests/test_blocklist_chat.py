"""The blocklist through the console chat and the `bl.*` buttons, in English and Chinese."""

from __future__ import annotations

from chatbot.conversation import Action, Actions, Incoming


def press(app, action_id: str, value: str = "", user: str = "mod", *, platform: str = "console",
          lang: str = "en", **form: str):
    msg = Incoming(platform=platform, user=user, lang=lang, lang_forced=True,  # type: ignore[arg-type]
                   action=Action(action_id, value, dict(form)))
    [reply] = app.handle(msg)
    return reply


def test_report_and_check_in_english(chat):
    receipt = chat.one("/report https://fake-brand.myshopify.com/products/bag fake-complaint sent a fake "
                       "trademark complaint --complaint 1234567890 --email legal@brandguard-ip.com")
    assert receipt.ok and receipt.lang == "en" and receipt.private
    assert receipt.data["state"] == "reported" and receipt.data["reasons"] == ["fake-complaint"]
    assert f"#{receipt.data['id']}" in receipt.text
    check = chat.one("/blocklist check fake-brand.myshopify.com", user="bob")
    assert check.data["state"] == "reported" and check.data["reporters"] == 1
    assert "waiting for moderator review" in check.text
    assert "console:alice" not in str(check.to_json())  # reporters stay anonymous on check


def test_report_and_check_in_chinese_text_forms(chat):
    receipt = chat.one("举报 https://假貨.com/x 假投诉 他们用假商标投诉我们")
    assert receipt.lang == "zh-Hans" and receipt.data["unit"] == "xn--sxqx58l.com"
    assert receipt.data["reasons"] == ["fake-complaint"] and "举报已记录" in receipt.text
    check = chat.one("黑名单 假貨.com", user="bob")
    assert check.lang == "zh-Hans" and check.data["state"] == "reported"
    assert "等待管理员审核" in check.text


def test_traditional_input_gets_traditional_replies(chat):
    receipt = chat.one("舉報 copy-store.com 仿冒店鋪 抄襲我們的產品圖片")
    assert receipt.lang == "zh-Hant" and receipt.data["reasons"] == ["copycat-store"]
    assert "舉報已記錄" in receipt.text
    assert chat.one("黑名單 查詢 copy-store.com").lang == "zh-Hant"


def test_bad_input_is_explained_in_the_users_language(chat):
    cases = {
        "/report": "How to report",
        "/report fake-brand.com": "Please add a reason",
        "/report http://192.168.0.1 fake": "IP address",
        "/report fake-brand.com --category spam fake": "Unknown category",
        "/report fake-brand.com --frobnicate x fake": "--frobnicate",
        "/report amazon.com they are evil": "protected list",
        "/report myshopify.com fake": "shared platform",
        "/blocklist check": "which site",
        "/blocklist check not_a_domain": "not a valid domain",
        "/blocklist approve 77": "Only moderators",
    }
    for text, expected in cases.items():
        reply = chat.one(text)
        assert not reply.ok and expected in reply.text, (text, reply.text)
    zh = chat.one("举报 fake-brand.com")
    assert zh.lang == "zh-Hans" and "请写上理由" in zh.text
    huge = chat.one("/report fake-brand.com " + "x" * 10_000)
    assert not huge.ok and "10,000" in huge.text


def test_moderator_queue_has_approve_and_reject_buttons(app, chat):
    entry = chat.one("/report copy-store.com copied our listing photos").data["id"]
    queue = chat.one("/blocklist queue", user="mod")
    assert queue.ok and queue.data["queue"][0]["id"] == entry
    buttons = [b for part in queue.parts if isinstance(part, Actions) for b in part.buttons]
    assert [(b.id, b.value) for b in buttons] == [("bl.approve", str(entry)), ("bl.reject", str(entry))]
    assert not chat.one("/blocklist queue").ok  # alice is no moderator
    approved = press(app, "bl.approve", str(entry))
    assert approved.ok and approved.data["state"] == "listed"
    assert chat.one("黑名单 copy-store.com").data["state"] == "listed"


def test_buttons_check_rights_on_every_press(app, chat):
    entry = chat.one("/report copy-store.com copied our listing photos").data["id"]
    refused = press(app, "bl.approve", str(entry), user="alice")
    assert not refused.ok and refused.data["error"] == "moderators_only"
    own = press(app, "bl.approve", str(entry), user="alice", platform="console")
    assert own.data["error"] == "moderators_only"
    forged = app.handle(Incoming(platform="console", user="alice", is_moderator=False,
                                 action=Action("bl.delist", str(entry))))[0]
    assert not forged.ok
    no_reason = press(app, "bl.reject", str(entry))
    assert no_reason.data["error"] == "empty_decision_reason"
    rejected = press(app, "bl.reject", str(entry), reason="screenshot shows our own store")
    assert rejected.data["state"] == "rejected"
    assert press(app, "bl.reopen", str(entry)).data["state"] == "reported"
    assert press(app, "bl.approve", "9999").data["error"] == "not_found"
    assert not press(app, "bl.frobnicate", "1").ok


def test_reporter_moderator_cannot_approve_own_report_by_button(app, chat):
    entry = chat.one("/report copy-store.com copied our photos", user="mod").data["id"]
    assert press(app, "bl.approve", str(entry), user="mod").data["error"] == "own_report"
    assert press(app, "bl.approve", str(entry), user="mod2").data["state"] == "listed"
    assert press(app, "bl.delist", str(entry), user="mod").data["state"] == "delisted"


def test_report_form_and_merge_button(app):
    form = {"url": "https://brand-claims.com/x", "category": "scam-email", "reason": "extortion e-mail",
            "complaint_id": "AB-99", "rights_owner_email": "legal@brand-claims.com",
            "links": "https://imgur.com/a/1 https://imgur.com/a/2", "notes": "", "lookup_id": "lk_42"}
    first = press(app, "bl.report", user="alice", **form)
    assert first.ok and first.data["reasons"] == ["scam-email"]
    second = press(app, "bl.report", user="bob", **{**form, "url": "brand-claims-help.com"})
    bad = press(app, "bl.report", user="bob", **{**form, "category": "nonsense"})
    assert bad.data["error"] == "unknown_category" and set(bad.data["errors"]) == {"category"}
    bad_link = press(app, "bl.report", user="bob", **{**form, "links": "https://ok.example.com\nftp://x"})
    assert bad_link.data["errors"].keys() == {"links"}
    bad_url = press(app, "bl.report", user="bob", **{**form, "url": "http://10.0.0.1/"})
    assert bad_url.data["errors"].keys() == {"url"} and "IP address" in bad_url.data["errors"]["url"]
    merged = press(app, "bl.merge", f"{second.data['id']}:{first.data['id']}")
    assert merged.ok and merged.data["reporters"] == 2
    assert press(app, "bl.merge", "garbage").data["error"] == "usage"


def test_appeal_audit_recent_search_and_help(chat):
    entry = chat.one("/report copy-store.com copied our listing photos").data["id"]
    chat(f"/blocklist approve {entry}", user="mod")
    appeal = chat.one(f"/blocklist appeal {entry} we registered this store in 2017, trademark US 555",
                      user="owner")
    assert appeal.ok and appeal.data["state"] == "disputed"
    assert chat.one("/blocklist appeal copy-store.com again", user="x").data["error"] == "already_disputed"
    audit = chat.one(f"黑名单 审计 {entry}", user="mod")
    assert audit.lang == "zh-Hans" and [r["action"] for r in audit.data["audit"]] == [
        "create", "approve", "appeal"]
    assert not chat.one(f"/blocklist audit {entry}").ok
    assert chat.one("/blocklist recent").data["recent"][0]["id"] == entry
    assert chat.one("/blocklist search copy-store").data["results"][0]["state"] == "disputed"
    assert "appeal" in chat.one("/blocklist help").text
    assert chat.one("/blocklist").data["error"] == "usage"


def test_edit_show_and_merge_by_command(chat):
    a = chat.one("/report brand-claims.com fake complaint").data["id"]
    b = chat.one("/report brand-claims-help.com fake complaint", user="bob").data["id"]
    merged = chat.one(f"/blocklist merge {b} {a} same operator", user="mod")
    assert merged.ok and merged.data["reporters"] == 2
    edited = chat.one(f"/blocklist edit {a} --reasons fake-complaint,scam-email --note runs two domains",
                      user="mod")
    assert edited.data["reasons"] == ["fake-complaint", "scam-email"]
    shown = chat.one(f"/blocklist show {a}", user="mod")
    assert shown.data["note"] == "runs two domains" and len(shown.data["reports"]) == 2
    assert chat.one("/blocklist merge 1", user="mod").data["error"] == "usage"


def test_latest_changes_without_an_id(chat):
    assert chat.one("/blocklist audit", user="mod").data["audit"] == []
    entry = chat.one("/report copy-store.com copied our photos").data["id"]
    chat(f"/blocklist approve {entry}", user="mod")
    latest = chat.one("/blocklist audit", user="mod")
    assert [r["action"] for r in latest.data["audit"]] == ["create", "approve"]
    assert f"#{entry}" in str(latest.parts)
    assert chat.one("/blocklist audit").data["error"] == "moderators_only"


def test_check_shows_punycode_liveness_related_and_lookalike_warning(app, chat):
    from chatbot.blocklist.service import BlocklistService

    chat("/report 假貨.com fake complaint --email legal@brandguard-ip.com")
    chat("/report аррӏе.com phishing page --email legal@brandguard-ip.com", user="bob")
    service = app.ctx.service(BlocklistService)
    service.record_signals("假貨.com", {"online": True})
    service.record_signals("假貨.com", {"online": False})
    reply = chat.one("/blocklist check https://假貨.com/x", user="carol")
    shown = str(reply.parts)
    assert "xn--sxqx58l.com" in shown and "offline since" in shown
    assert reply.data["related"][0]["unicode_unit"] == "аррӏе.com"
    assert "аррӏе.com" in shown and "email" in shown
    lookalike = chat.one("/blocklist check аррӏе.com", user="carol")
    assert "mixes alphabets" in str(lookalike.parts)
    protected = chat.one("/blocklist check amazon.co.uk", user="carol")
    assert protected.data["state"] == "not_found" and "protected list" in str(protected.parts)


def test_search_finds_a_report_by_its_complaint_id_and_by_part_of_an_email(chat):
    chat.one("/report https://quill-copy-store.com/products/stool fake-complaint sent a fake copyright "
             "complaint --complaint 7412589630 --email Legal@Quill-IP-Example.com --owner Mara Quill")
    for query in ("7412589630", "741258", "quill-ip", "legal@quill", "Quill-IP-Example.com", "mara quill"):
        results = chat.one(f"/blocklist search {query}").data["results"]
        assert [r["unit"] for r in results] == ["quill-copy-store.com"], query
    assert chat.one("/blocklist search 99999999").data["results"] == []
