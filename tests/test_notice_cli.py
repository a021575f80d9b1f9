"""The console and `sellerguard letter`, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

NOTICE = (Path(__file__).parent / "fixtures" / "notices" / "copyright_en.txt").read_text(encoding="utf-8")
ONE_LINE_NOTICE = " ".join(NOTICE.split())


def replies(result) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_console_answers_the_notice_intent(run_cli):
    result = run_cli("chat", input="I got an infringement notice\n")
    assert result.returncode == 0, result.stderr
    assert "Check the notice is genuine" in result.stdout
    assert "[Open a case]" in result.stdout and "not legal advice" in result.stdout


def test_console_conversation_opens_and_fills_a_case(run_cli):
    script = "I got an infringement notice\nyes\ncopyright\n2021-04-02\nACME\nskip\n/case list\n"
    out = replies(run_cli("chat", "--json", "--user", "carol", input=script))
    assert out[0]["data"]["offer"] == "case"
    case = out[-1]["data"]["cases"][0]
    assert case["complaint_type"] == "copyright" and case["listing_date"] == "2021-04-02"
    assert case["brand"] == "ACME" and case["user"] == "carol"


def test_console_traditional_chinese(run_cli):
    out = replies(run_cli("chat", "--json", "--user", "chen", input="收到侵權警告\n好\n2021年4月2日\n"))
    assert [r["lang"] for r in out] == ["zh-Hant"] * len(out)
    case_id = out[1]["data"]["case"]["id"]
    later = replies(run_cli("chat", "--json", "--user", "chen", input=f"/case {case_id} done 1\n"))
    assert later[0]["lang"] == "zh-Hant" and later[0]["data"]["case"]["steps"][0]["state"] == "done"


def test_console_one_line_notice_and_letter_command(run_cli):
    out = replies(run_cli("chat", "--json", "--user", "dana", input=ONE_LINE_NOTICE + "\n"))
    case = out[0]["data"]["case"]
    assert case["complaint_id"] == "11874563201" and case["rights_owner"] == "Verdana Living Studio"
    result = run_cli("letter", "counter", "--case", str(case["id"]), "--user", "console:dana")
    assert result.returncode == 0, result.stderr
    assert "under penalty of perjury" in result.stdout and "11874563201" in result.stdout
    assert "not legal advice" in result.stderr
    assert "[COMPLAINT ID]" not in result.stdout and "[ASIN]" not in result.stdout
    as_json = json.loads(run_cli("letter", "dispute", "--case", str(case["id"]), "--json",
                                 "--user", "console:dana").stdout)
    assert as_json["data"]["letter"] == "dispute" and "Verdana Living Studio" in as_json["data"]["body"]


def test_letter_exit_codes(run_cli):
    assert run_cli("letter", "poem").returncode == 2
    assert run_cli("letter", "dispute", "--case", "abc").returncode == 2
    missing = run_cli("letter", "dispute", "--case", "424242")
    assert missing.returncode == 1 and "no case #424242" in missing.stderr
    blank = run_cli("letter", "takedown")
    assert blank.returncode == 0 and "[URL OF THE COPIED PAGE]" in blank.stdout
    out = replies(run_cli("chat", "--json", "--user", "erin", input="/notice trademark\n"))
    case_id = str(out[0]["data"]["case"]["id"])
    counter = run_cli("letter", "counter", "--case", case_id, "--user", "console:erin")
    assert counter.returncode == 1 and "copyright" in counter.stderr  # trademark: no DMCA
    assert run_cli("letter", "dispute", "--case", case_id, "--user", "console:someone-else").returncode == 1
    assert run_cli("letter", "dispute", "--case", case_id, "--user", "console:erin").returncode == 0


def os_user(name: str) -> dict[str, str]:
    return {"LOGNAME": name, "USER": name, "LNAME": name, "USERNAME": name}


def test_letter_as_another_os_user_is_refused_without_showing_the_case(run_cli):
    out = replies(run_cli("chat", "--json", input=ONE_LINE_NOTICE + "\n", env=os_user("owner-os")))
    case_id = str(out[0]["data"]["case"]["id"])
    stranger = run_cli("letter", "dispute", "--case", case_id, env=os_user("other-os"))
    assert stranger.returncode == 1 and "Verdana" not in stranger.stdout + stranger.stderr
    assert "no case #" in stranger.stderr
    latest = run_cli("letter", "dispute", env=os_user("other-os"))  # no --case: their own latest (none)
    assert latest.returncode == 0 and "Verdana" not in latest.stdout
    own = run_cli("letter", "dispute", "--case", case_id, env=os_user("owner-os"))
    assert own.returncode == 0 and "Verdana Living Studio" in own.stdout


def test_answering_the_listing_date_question_in_a_new_session(run_cli):
    notice = ("Complaint ID: 5566778899\nInfringement type: Copyright\nASIN: B0EXAMPLE1\n"
              "Rights owner: Example Lamp Co.\nRights owner email: legal@lamp.example\n")
    pasted = "\x1b[200~" + notice + "\x1b[201~\n"
    first = replies(run_cli("chat", "--json", "--user", "fern", input=pasted))
    assert first[-1]["data"]["question"] == "listing_date"
    # A new session that first looks at the cases (a command drops the open question), then answers.
    later = replies(run_cli("chat", "--json", "--user", "fern", input="/case list\n2021-04-02\nyes\n"))
    assert [r["intent"] for r in later] == ["notice", "notice", "notice"]
    assert "fallback" not in [r["intent"] for r in later]
    assert later[-1]["data"]["case"]["listing_date"] == "2021-04-02"


def test_letter_notes_follow_the_sellers_lang_choice(run_cli):
    out = replies(run_cli("chat", "--json", "--user", "gao", input="/lang zh\n/notice copyright\n"))
    case_id = str(next(r["data"]["case"]["id"] for r in out if (r.get("data") or {}).get("case")))
    result = run_cli("letter", "dispute", "--case", case_id, "--user", "console:gao")
    assert result.returncode == 0 and "不构成法律意见" in result.stderr
    english = run_cli("letter", "dispute", "--case", case_id, "--user", "console:gao", "--lang", "en")
    assert "not legal advice" in english.stderr
