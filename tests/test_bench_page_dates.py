"""bench/page_dates.py: explains itself without the evaluation set, and scores a small one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import page_dates


def test_without_the_checkout_it_says_how(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page_dates.main(["--htmldate-repo", str(tmp_path)])
    assert "github.com/adbar/htmldate" in capsys.readouterr().out


def test_scores_a_small_evaluation_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "tests" / "eval").mkdir(parents=True)
    pages = {
        "https://news.example/a": ("a.html", "2021-04-02",
                                   '<html><head><meta property="article:published_time" '
                                   'content="2021-04-02T21:30:00-07:00"></head><body><p>x</p></body></html>'),
        "https://news.example/b": ("b.html", None, "<html><body><p>No date here.</p></body></html>"),
    }
    for name, _gold, html in pages.values():
        (tmp_path / "tests" / "eval" / name).write_text(html, encoding="utf-8")
    (tmp_path / "tests" / "eval_default.json").write_text(json.dumps(
        {url: {"file": name, "date": gold} for url, (name, gold, _) in pages.items()}))
    scores = page_dates.run(tmp_path)
    out = capsys.readouterr().out
    assert "htmldate fast" in out and "ours" in out and "pages/s" in out
    ours = scores["ours"]
    # The page's own calendar day, as written in its time zone (not the UTC day, 2021-04-03).
    assert (ours.tp, ours.fp) == (1, 0)


def test_methods_take_turns_page_by_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A busy minute on a shared machine must weigh on every method alike, not on one.
    (tmp_path / "tests" / "eval").mkdir(parents=True)
    entries = {}
    for name in ("a", "b"):
        (tmp_path / "tests" / "eval" / f"{name}.html").write_text(f"<p>{name}</p>", encoding="utf-8")
        entries[f"https://x.example/{name}"] = {"file": f"{name}.html", "date": None}
    (tmp_path / "tests" / "eval_default.json").write_text(json.dumps(entries))
    calls: list[tuple[str, str]] = []

    def method(label: str):  # type: ignore[no-untyped-def]
        def read(html: str) -> None:
            calls.append((label, html))
        return read

    monkeypatch.setattr(page_dates, "METHODS", {"one": method("one"), "two": method("two")})
    page_dates.run(tmp_path)
    assert calls == [("one", "<p>a</p>"), ("two", "<p>a</p>"), ("one", "<p>b</p>"), ("two", "<p>b</p>")]
