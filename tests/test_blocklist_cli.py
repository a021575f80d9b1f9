"""`sellerguard blocklist ...` in a subprocess: JSON output, exit codes 0/1/2, reasons on stderr,
export → import round trip through files."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "blocklist"


def test_report_check_approve_export_import(run_cli, tmp_path, fresh_database_url):
    reported = run_cli("blocklist", "report", "https://copy-store.myshopify.com/products/bag", "copied",
                       "our", "photos", "--category", "copycat-store", "--complaint-id", "1234567890",
                       "--link", "https://imgur.com/a/1", "--user", "slack:U1", "--json")
    assert reported.returncode == 0, reported.stderr
    receipt = json.loads(reported.stdout)
    assert receipt["unit"] == "copy-store.myshopify.com" and receipt["state"] == "reported"
    entry = str(receipt["id"])

    check = run_cli("blocklist", "check", "copy-store.myshopify.com", "--json")
    data = json.loads(check.stdout)
    assert check.returncode == 0 and data["state"] == "reported" and data["reporters"] == 1
    assert {"unit", "state", "reporters", "reasons", "first_reported", "related"} <= set(data)

    denied = run_cli("blocklist", "approve", entry, "--user", "console:alice")
    assert denied.returncode == 1 and "Only moderators" in denied.stderr and denied.stdout == ""
    approved = run_cli("blocklist", "approve", entry, "--user", "console:mod", "--json")
    assert approved.returncode == 0 and json.loads(approved.stdout)["state"] == "listed"
    text = run_cli("blocklist", "check", "https://copy-store.myshopify.com/x")
    assert "is on the community blocklist" in text.stdout

    out = tmp_path / "list.json"
    assert run_cli("blocklist", "export", "--format", "json", "--output", str(out)).returncode == 0
    assert run_cli("db", "upgrade", env={"DATABASE_URL": fresh_database_url}).returncode == 0
    imported = run_cli("blocklist", "import", str(out), "--user", "console:mod", "--json",
                       env={"DATABASE_URL": fresh_database_url})
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["created"] == 1
    again = run_cli("blocklist", "import", str(out), "--user", "console:mod", "--json",
                    env={"DATABASE_URL": fresh_database_url})
    assert json.loads(again.stdout)["unchanged"] == 1
    copy = run_cli("blocklist", "export", "--format", "json", env={"DATABASE_URL": fresh_database_url})
    assert copy.stdout == out.read_text(encoding="utf-8")


def test_exit_codes_and_reasons_on_stderr(run_cli):
    cases = [
        (("report", "http://10.1.2.3/", "fake", "--user", "console:a"), 2, "IP address"),
        (("report", "copy.com", "--user", "console:a"), 2, "reason"),
        (("report", "copy.com", "x" * 10_000, "--user", "console:a"), 2, "10,000"),
        (("report", "copy.com", "fake", "--category", "spam", "--user", "console:a"), 2, "Unknown category"),
        (("report", "amazon.de", "fake", "--user", "console:a"), 1, "protected"),
        (("approve", "42", "--user", "console:mod"), 1, "no blocklist entry"),
        (("reject", "42", "--user", "console:alice"), 1, "Only moderators"),
        (("queue", "--user", "console:alice"), 1, "Only moderators"),
        (("check", "not a domain"), 2, "not a valid domain"),
        (("export", "--since", "someday"), 2, "not a time"),
        (("import", "/nonexistent/list.csv", "--user", "console:mod"), 2, "Cannot open"),
        (("import", "list.xml", "--user", "console:mod"), 2, "Cannot tell the format"),
        (("report", "copy.com", "fake", "--user", "bad:"), 2, "platform:user_id"),
    ]
    for args, code, reason in cases:
        result = run_cli("blocklist", *args)
        assert result.returncode == code, (args, result.stderr)
        assert reason in result.stderr, (args, result.stderr)


def test_chinese_replies_with_lang(run_cli):
    result = run_cli("blocklist", "report", "copy.com", "--user", "console:a", "--lang", "zh")
    assert result.returncode == 2 and "请写上理由" in result.stderr


def test_moderation_commands(run_cli):
    first = json.loads(run_cli("blocklist", "report", "brand-claims.com", "fake", "complaint", "--user",
                               "console:a", "--json").stdout)["id"]
    second = json.loads(run_cli("blocklist", "report", "brand-claims-help.com", "same", "operator",
                                "--user", "console:b", "--json").stdout)["id"]
    merged = run_cli("blocklist", "merge", str(second), str(first), "--user", "console:mod", "--json")
    assert merged.returncode == 0 and json.loads(merged.stdout)["reporters"] == 2
    queue = json.loads(run_cli("blocklist", "queue", "--user", "console:mod", "--json").stdout)
    assert [q["id"] for q in queue["queue"]] == [first]
    reject = run_cli("blocklist", "reject", str(first), "--user", "console:mod")
    assert reject.returncode == 2 and "reason" in reject.stderr
    rejected = run_cli("blocklist", "reject", str(first), "only", "a", "hunch", "--user", "console:mod",
                       "--json")
    assert json.loads(rejected.stdout)["state"] == "rejected"
    reopened = run_cli("blocklist", "reopen", str(first), "--user", "console:mod2", "--json")
    assert json.loads(reopened.stdout)["state"] == "reported"
    appeal = run_cli("blocklist", "appeal", "brand-claims.com", "we", "own", "it", "--user", "console:c",
                     "--json")
    assert json.loads(appeal.stdout)["state"] == "disputed"
    edit = run_cli("blocklist", "edit", str(first), "--reasons", "fake-complaint", "--user", "console:mod",
                   "--json")
    assert json.loads(edit.stdout)["reasons"] == ["fake-complaint"]
    audit = json.loads(run_cli("blocklist", "audit", str(first), "--user", "console:mod", "--json").stdout)
    assert [r["action"] for r in audit["audit"]] == [
        "create", "merge_in", "reject", "reopen", "appeal", "edit"]
    recent = json.loads(run_cli("blocklist", "recent", "--json").stdout)
    assert recent["recent"][0]["id"] == first
    found = json.loads(run_cli("blocklist", "search", "claims", "--json").stdout)
    assert [r["id"] for r in found["results"]] == [first]
    delist = run_cli("blocklist", "delist", str(first), "--user", "console:mod")
    assert delist.returncode == 0 and "delisted" in delist.stdout


def test_import_fixture_and_refuse_a_bad_file(run_cli):
    ok = run_cli("blocklist", "import", str(FIXTURES / "seed.csv"), "--user", "console:mod")
    assert ok.returncode == 0 and "3 added" in ok.stdout
    bad = run_cli("blocklist", "import", str(FIXTURES / "bad_row.csv"), "--user", "console:mod")
    assert bad.returncode == 2 and "Row 3" in bad.stderr and "Nothing was imported" in bad.stderr
    listed = run_cli("blocklist", "export", "--format", "txt").stdout.splitlines()[1:]
    assert "fine-copycat.com" not in listed and len(listed) == 3
    stdin = run_cli("blocklist", "import", "-", "--format", "txt", "--user", "console:mod",
                    input="piped-copycat.com\n")
    assert stdin.returncode == 0 and "1 added" in stdin.stdout
