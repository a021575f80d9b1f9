"""Recognising the notice intent: the labelled set (precision/recall), typos, mixed language,
Traditional Chinese and look-alike chatter."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.intents import Intent, canonical, classify, is_notice

LABELLED = Path(__file__).parent / "fixtures" / "intents.tsv"
EVALUATION = Path(__file__).parent / "fixtures" / "intents_eval.tsv"


def labelled(path: Path = LABELLED) -> list[tuple[bool, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, lang, text = line.split("\t")
        rows.append((label == "1", lang, text.replace("\\n", "\n")))
    return rows


def test_evaluation_set_is_big_varied_and_apart_from_the_training_set():
    rows = labelled(EVALUATION)
    assert len(rows) >= 200
    assert {"en", "zh-Hans", "zh-Hant"} <= {lang for _, lang, _ in rows}
    shared = {text for _, _, text in rows} & {text for _, _, text in labelled()}
    assert len(shared) <= 4, shared  # a few everyday phrases ("你好") were written into both


def figures(path: Path) -> tuple[float, float, list[str]]:
    """(precision, recall, the messages classified wrongly) of the notice intent on a set."""
    tp = fp = fn = 0
    wrong = []
    for positive, _, text in labelled(path):
        found = is_notice(text)
        tp += positive and found
        fp += found and not positive
        fn += positive and not found
        if found != positive:
            wrong.append(text)
    return tp / (tp + fp), tp / (tp + fn), wrong


@pytest.mark.parametrize("path", [LABELLED, EVALUATION], ids=["training", "evaluation"])
def test_precision_and_recall(path):
    precision, recall, wrong = figures(path)
    assert precision >= 0.98, wrong
    assert recall >= 0.95, wrong


def test_labelled_set_is_big_and_varied():
    rows = labelled()
    assert len(rows) >= 150
    langs = {lang for _, lang, _ in rows}
    assert {"en", "zh-Hans", "zh-Hant", "mixed"} <= langs
    for lang in langs:
        assert {positive for positive, row_lang, _ in rows if row_lang == lang} == {True, False}
    assert len({text for _, _, text in rows}) == len(rows), "duplicate messages inflate the figures"




@pytest.mark.parametrize("text", [
    "I got an infringement notice", "Amazon says my listing infringes",
    "got an IP complaint on my best seller",
    "收到侵权投诉了怎么办", "亚马逊说我侵权", "收到侵權警告", "被人恶意投诉侵权",
])
def test_the_issue_examples_fire(text):
    intent = classify(text)
    assert isinstance(intent, Intent) and intent.name == "notice" and intent.evidence


@pytest.mark.parametrize("text", [
    "the notice board is full", "投诉快递太慢", "copyright 2024 footer question", "", "   ", "🙂",
])
def test_the_issue_negatives_do_not_fire(text):
    assert classify(text) is None


@pytest.mark.parametrize("typo, word", [
    ("infringment", "infringement"), ("copyrite", "copyright"), ("trademrk", "trademark"),
    ("complant", "complaint"), ("infrigement", "infringement"), ("counterfiet", "counterfeit"),
])
def test_typos_map_to_the_vocabulary(typo, word):
    assert canonical(typo) == word


def test_ordinary_words_are_not_taken_for_typos():
    assert canonical("patient") == "patient"
    assert classify("my patient filed a complaint about the clinic") is None


def test_a_pasted_notice_is_the_notice_intent_even_without_chat_words():
    text = (Path(__file__).parent / "fixtures" / "notices" / "german_de.txt").read_text(encoding="utf-8")
    intent = classify(text)
    assert intent is not None and intent.score == 1.0


def test_a_huge_paste_is_judged_on_its_start():
    text = "I got an infringement notice. " + "lorem ipsum " * 6000
    assert classify(text) is not None
