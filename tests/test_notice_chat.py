"""The notice conversation end to end through the app: intent, pasted notices, cases,
questions, buttons, letters, other platforms."""

from __future__ import annotations

from pathlib import Path

from chatbot.conversation import Action, Actions, Checklist, Fields, Heading, Notice
from chatbot.db.models import Member

FIXTURES = Path(__file__).parent / "fixtures" / "notices"


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def part(reply, kind):
    return next(p for p in reply.parts if isinstance(p, kind))


def buttons(reply) -> dict[str, str]:
    return {b.id: b.value for p in reply.parts if isinstance(p, Actions) for b in p.buttons}


def press(chat, action_id, value, user="alice", platform="console"):
    return chat("", user=user, platform=platform, action=Action(action_id, value))


def legal_line(reply) -> str:
    return next(p.text for p in reply.parts if isinstance(p, Notice) and p.level == "info")


def test_free_text_gets_a_calm_summary_first_steps_and_an_offer(chat):
    reply = chat.one("I got an infringement notice")
    assert reply.intent == "notice" and reply.lang == "en" and reply.ok
    assert isinstance(reply.parts[0], Heading)
    steps = part(reply, Checklist).items
    assert len(steps) == 3 and all(item.state == "todo" for item in steps)
    assert steps[0].id == "verify_notice" and "Account Health" in steps[0].detail
    assert "case.open" in buttons(reply)
    assert "not legal advice" in legal_line(reply)


def test_chinese_messages_are_answered_in_their_own_script(chat):
    hans = chat.one("收到侵权投诉了怎么办", user="li")
    assert hans.lang == "zh-Hans" and "投诉" in hans.text and "不构成法律意见" in legal_line(hans)
    hant = chat.one("收到侵權警告", user="chen")
    assert hant.lang == "zh-Hant" and "帳戶" in part(hant, Checklist).items[0].detail
    assert "不構成法律意見" in legal_line(hant)


def test_type_words_in_free_text_pick_the_checklist(chat):
    reply = chat.one("Amazon removed my listing after a trademark complaint")
    assert reply.data["complaint_type"] == "trademark"


def test_unrelated_chatter_is_not_answered_as_a_notice(chat):
    assert chat.one("the notice board is full").intent == "fallback"
    assert chat.one("投诉快递太慢").intent == "fallback"
    assert chat("copyright 2024 footer question", direct=False) == []
    assert chat.one("投诉 快递太慢").intent == "fallback"  # looks like the 投诉 command, is not


def test_yes_opens_a_case_and_the_bot_asks_only_for_what_is_missing(chat):
    chat("I got a copyright complaint on B08KX7QZ4M")
    opened, question = chat("yes")
    case = opened.data["case"]
    assert case["complaint_type"] == "copyright" and case["asins"] == ["B08KX7QZ4M"]
    assert question.data["question"] == "listing_date"  # the type is known, so not asked
    assert chat.one("next tuesday").ok is False  # not a date: explained and asked again
    assert chat.one("2999-01-01").ok is False  # the future
    reply = chat.one("2021-04-02")
    assert reply.data["question"] == "brand" and "2021-04-02" in reply.text
    reply = chat.one("ACME")
    assert reply.data["question"] == "storefront"
    done = chat.one("copycat-shop.myshopify.com/products/pot")
    assert done.data["case"]["storefront_urls"] == ["https://copycat-shop.myshopify.com/products/pot"]
    assert done.data["case"]["brand"] == "ACME" and done.data["case"]["listing_date"] == "2021-04-02"
    assert chat.one("thanks").intent == "fallback"  # the questions are over


def test_no_declines_and_other_messages_move_on(chat):
    chat("收到侵权投诉了怎么办")
    assert chat.one("不用").text.startswith("好的")
    chat("I got an infringement notice")
    assert chat.one("what's the weather?").intent == "fallback"
    assert chat.one("/case list").data["cases"] == []


def test_a_pasted_notice_opens_a_case_with_what_was_understood(chat):
    replies = chat(read("copyright_en.txt"))
    opened = replies[0]
    assert opened.intent == "notice" and "case #" in opened.text
    facts = dict(part(opened, Fields).pairs)
    assert facts["Complaint ID"] == "11874563201" and facts["Rights owner"] == "Verdana Living Studio"
    assert facts["Rights owner e-mail"] == "copyright@verdanaliving-store.com"
    assert opened.data["notice"]["missing"] == []
    kinds = [d["kind"] for d in opened.data["case"]["deadlines"]]
    assert kinds == ["inventory_removal"]
    assert opened.data["case"]["deadlines"][0]["due"] == "2024-06-10"  # 90 days after 2024-03-12
    assert replies[1].data["question"] == "listing_date"
    assert [s["id"] for s in opened.data["case"]["steps"]][6] == "counter_notice"


def test_the_same_notice_twice_updates_the_case(chat):
    first = chat(read("trademark_en.txt"))[0].data["case"]["id"]
    second = chat(read("trademark_en.txt"))[0]
    assert second.data["case"]["id"] == first and "updated" in second.text
    assert len(chat.one("/case list").data["cases"]) == 1


def test_garbled_german_japanese_html_and_huge_notices(chat):
    garbled = chat(read("garbled_partial.txt"))[0]
    assert "Not found in the notice" in garbled.text + str(garbled.parts)
    assert garbled.data["case"]["complaint_type"] == "unknown"
    german = chat(read("german_de.txt"), user="hans")[0]
    assert german.data["case"]["complaint_id"] == "16677210934"
    assert any(isinstance(p, Notice) and "German" in p.text for p in german.parts)
    japanese = chat(read("japanese_ja.txt"), user="yuki")[0]
    assert japanese.data["case"]["complaint_type"] == "trademark"
    assert japanese.data["case"]["ip_numbers"]["trademark"] == ["第6543210号"]
    html = chat(read("html_email.html"), user="mia")[0]
    assert html.data["case"]["rights_owner"] == "Sunny Nest Decor"
    huge = chat(read("counterfeit_en.txt") + "\nBoilerplate line of the e-mail footer." * 1300, user="max")
    assert huge[0].ok and huge[0].data["case"]["complaint_type"] == "counterfeit"


def test_notice_command_and_chinese_text_command(chat):
    reply = chat("/notice")[0]
    assert reply.data["case"]["complaint_type"] == "unknown"
    zh = chat("侵权 商标", user="wang")[0]
    assert zh.lang == "zh-Hans" and zh.data["case"]["complaint_type"] == "trademark"
    pasted = chat("/notice " + read("patent_apex_en.txt"), user="lee")[0]
    kinds = {d["kind"] for d in pasted.data["case"]["deadlines"]}
    assert kinds == {"inventory_removal", "apex_response"}
    assert pasted.data["case"]["asins"] == ["B0B7R2WQ9X", "B0B7R3HL2D", "B0B7R5TT8C"]
    nothing = chat("/notice hello there", user="zed")[0]
    assert "could not read any notice details" in str(nothing.parts)


def test_buttons_mark_steps_and_explain_them(chat):
    opened = chat(read("copyright_en.txt"))[0]
    value = buttons(opened)["case.done"]
    case_id = opened.data["case"]["id"]
    assert value == f"{case_id}:verify_notice"
    done = press(chat, "case.done", value)[0]
    assert done.data["case"]["steps"][0]["state"] == "done"
    assert buttons(done)["case.skip"] == f"{case_id}:record_details"
    skipped = press(chat, "case.skip", f"{case_id}:record_details")[0]
    assert skipped.data["case"]["steps"][1]["state"] == "skipped"
    explained = press(chat, "case.explain", f"{case_id}:retraction")[0]
    pairs = dict(part(explained, Fields).pairs)
    assert "notice-retraction@amazon.com" in pairs["What to do"] and pairs["Source"].startswith("Amazon")
    assert buttons(explained)["case.letter"] == f"{case_id}:retraction"
    letter = press(chat, "case.letter", f"{case_id}:retraction")[0]
    assert "11874563201" in letter.data["body"]
    assert press(chat, "case.done", f"{case_id}:nonsense")[0].ok is False
    assert press(chat, "case.frobnicate", f"{case_id}:x")[0].ok is False


def test_counter_notice_filed_stores_the_restore_window(chat, app):
    from datetime import UTC, datetime

    app.ctx.clock = lambda: datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # a Friday
    case_id = chat(read("copyright_en.txt"))[0].data["case"]["id"]
    reply = chat.one(f"/case {case_id} filed")
    due = {d["kind"]: d["due"] for d in reply.data["case"]["deadlines"]}
    assert due["counter_notice_restore_from"] == "2026-12-11"  # 10 business days
    assert due["counter_notice_restore_by"] == "2026-12-17"  # 14 business days
    assert "2026-12-11" in reply.text
    undone = chat.one(f"/case {case_id} undo 7")
    assert {d["kind"] for d in undone.data["case"]["deadlines"]} == {"inventory_removal"}
    trademark = chat(read("trademark_en.txt"))[0].data["case"]["id"]
    assert chat.one(f"/case {trademark} filed").ok is False


def test_case_commands_set_facts_and_validate_input(chat):
    case_id = chat("/notice")[0].data["case"]["id"]
    assert chat.one(f"/case {case_id} since 2021-04-02").data["case"]["listing_date"] == "2021-04-02"
    assert chat.one(f"/case {case_id} brand ACME Home").data["case"]["brand"] == "ACME Home"
    site = chat.one(f"/case {case_id} site https://copycat.example/p/1")
    assert site.data["case"]["storefront_urls"] == ["https://copycat.example/p/1"]
    assert chat.one(f"/case {case_id} type design patent").data["case"]["complaint_type"] == "design_patent"
    assert chat.one(f"/case {case_id} id 12345678901").data["case"]["complaint_id"] == "12345678901"
    assert chat.one(f"/case {case_id} asin b0abc12345").data["case"]["asins"] == ["B0ABC12345"]
    assert chat.one(f"/case {case_id} owner Fake Brand LLC").data["case"]["rights_owner"] == "Fake Brand LLC"
    email = chat.one(f"/case {case_id} email IP@Fake.example")
    assert email.data["case"]["rights_owner_email"] == "ip@fake.example"
    for bad in ("since someday", "since 2999-01-01", "site not a url", "type poem", "id 12",
                "asin nothing", "email nobody", "frobnicate", "done 99", "brand"):
        reply = chat.one(f"/case {case_id} {bad}")
        assert not reply.ok and reply.text, bad
    assert not chat.one("/case abc").ok
    assert not chat.one("/case 999999").ok
    closed = chat.one(f"/case {case_id} close")
    assert closed.data["case"]["status"] == "closed"
    assert chat.one(f"/case {case_id} reopen").data["case"]["status"] == "open"


def test_case_list_resume_and_chinese_errors(chat):
    assert chat.one("/case").data["cases"] == []
    first = chat("/notice copyright")[0].data["case"]["id"]
    second = chat("/notice trademark")[0].data["case"]["id"]
    listed = chat.one("/case list")
    assert [c["id"] for c in listed.data["cases"]] == [second, first]
    assert [item.id for item in part(listed, Checklist).items] == [str(second), str(first)]
    assert chat.one("/case resume").data["case"]["id"] == second
    assert chat.one(f"/case {first}").data["case"]["id"] == first
    zh = chat.one(f"案件 {first} since 不知道")
    assert not zh.ok and zh.lang == "zh-Hans" and "日期" in zh.text
    assert chat.one(f"案件 {first} 完成 1").data["case"]["steps"][0]["state"] == "done"


def test_a_refused_storefront_link_is_told_why_as_checksite_tells_it(chat):
    case_id = chat("/notice trademark")[0].data["case"]["id"]
    userinfo = chat.one(f"/case {case_id} site http://user:pw@copycat.example/p")
    assert not userinfo.ok and "user name or password before the @" in userinfo.text
    port = chat.one(f"/case {case_id} site https://copycat.example:8081/p")
    assert not port.ok and "port" in port.text
    zh = chat.one(f"案件 {case_id} site http://user:pw@copycat.example/p")
    assert not zh.ok and zh.lang == "zh-Hans" and "店铺网址" in zh.text and "@" in zh.text
    # Punctuation typed after the link is not part of it.
    saved = chat.one(f"/case {case_id} site https://copycat.example/p/1。")
    assert saved.data["case"]["storefront_urls"] == ["https://copycat.example/p/1"]


def test_cases_are_private_but_follow_the_person_across_platforms(chat, app):
    case_id = chat(read("copyright_en.txt"), user="U123", platform="slack")[0].data["case"]["id"]
    assert not chat.one(f"/case {case_id}", user="mallory").ok
    assert not press(chat, "case.done", f"{case_id}:verify_notice", user="mallory")[0].ok
    assert not chat.one(f"/letter dispute {case_id}", user="mallory").ok
    chat("/case list", user="wx-1", platform="wecom")  # the WeCom member now exists
    with app.db.session() as session:
        slack = session.query(Member).filter_by(platform="slack", external_id="U123").one()
        wecom = session.query(Member).filter_by(platform="wecom", external_id="wx-1").one()
        wecom.person_id = slack.id
    listed = chat.one("/case list", user="wx-1", platform="wecom")
    assert [c["id"] for c in listed.data["cases"]] == [case_id]
    done = press(chat, "case.done", f"{case_id}:verify_notice", user="wx-1", platform="wecom")[0]
    assert done.data["case"]["steps"][0]["state"] == "done"
    back_on_slack = chat.one(f"/case {case_id}", user="U123", platform="slack")
    assert back_on_slack.data["case"]["steps"][0]["state"] == "done"


def test_letter_command(chat):
    assert not chat.one("/letter").ok
    assert not chat.one("/letter poem").ok
    blank = chat.one("/letter dispute")
    assert "[COMPLAINT ID]" in blank.data["body"] and any(isinstance(p, Notice) and p.level == "warning"
                                                          for p in blank.parts)
    case_id = chat(read("trademark_en.txt"))[0].data["case"]["id"]
    dispute = chat.one(f"/letter dispute {case_id}")
    assert "12093381457" in dispute.data["body"] and "6,482,117" in dispute.data["body"]
    assert "not legal advice" in legal_line(dispute)
    refused = chat.one(f"/letter counter {case_id}")
    assert not refused.ok and "no DMCA counter-notice" in refused.text
    zh = chat.one(f"信函 反通知 {case_id}")
    assert not zh.ok and zh.lang == "zh-Hans"
    hant = chat.one(f"信函 撤訴 {case_id}")
    assert hant.lang == "zh-Hant" and "撤訴" in hant.parts[0].text
    assert "Hydrolux Brands LLC" in hant.data["body"]


def test_concurrent_button_presses_do_not_lose_updates(chat, app):
    import threading

    from chatbot.notices.cases import CaseService, Owner

    case_id = chat(read("copyright_en.txt"))[0].data["case"]["id"]
    service = CaseService(app.ctx)
    steps = ["verify_notice", "record_details", "originality_copyright", "investigate", "retraction",
             "appeal"]
    errors: list[Exception] = []

    def mark(step):
        try:
            service.set_step(case_id, Owner("console", "alice"), step, "done")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=mark, args=(s,)) for s in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert set(service.get(case_id, Owner("console", "alice")).steps) == set(steps)


def test_a_traditional_chinese_case_stays_in_traditional(chat):
    chat("收到侵權警告", user="chen")
    opened = chat("好", user="chen")[0]  # "好" is the same in both scripts
    case_id = opened.data["case"]["id"]
    assert opened.lang == "zh-Hant"
    assert chat.one("商標", user="chen").lang == "zh-Hant"
    assert chat.one("2021年4月2日", user="chen").lang == "zh-Hant"
    assert chat.one(f"/case {case_id} done 1", user="chen").lang == "zh-Hant"
    assert press(chat, "case.explain", f"{case_id}:retraction", user="chen")[0].lang == "zh-Hant"
    assert chat.one(f"/case {case_id} explain 2", user="chen", lang="en").lang == "en"  # forced wins
    assert chat.one("我的案件", user="chen").lang == "zh-Hant"  # shared characters keep the usual script


def test_channel_chatter_while_a_question_waits_gets_no_error(chat):
    chat("/notice copyright")
    assert chat("lunch at noon?", direct=False) == []
    assert chat.one("2021-04-02").data["question"] == "brand"


def test_a_brand_or_rights_owner_with_control_characters_is_refused_and_told_how(chat):
    case_id = chat("/notice")[0].data["case"]["id"]
    for sub, value in (("brand", "\x1b[31mACME"), ("brand", "ACME\u202eemoH"), ("owner", "Fake\x07 LLC"),
                       ("owner", "Fake\u2066 LLC")):
        reply = chat.one(f"/case {case_id} {sub} {value}")
        assert not reply.ok and "control characters" in reply.text, (sub, value)
    zh = chat.one(f"/case {case_id} brand 品牌\x1b[0m")
    assert not zh.ok and "控制字符" in zh.text
    case = chat.one(f"/case {case_id}").data["case"]
    assert not case["brand"] and not case["rights_owner"]


def test_the_brand_question_refuses_control_characters_too(chat):
    chat("I got a copyright complaint on B08KX7QZ4M")
    chat("yes")
    chat("2021-04-02")
    reply = chat.one("ACME\u202e")
    assert not reply.ok and "control characters" in reply.text
    assert chat.one("ACME").data["question"] == "storefront"
