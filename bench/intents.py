"""Notice intent: precision, recall and messages per second on the training set (the messages the
rules were tuned on) and on the evaluation set (written before the last rule change, never tuned
on), beside a naive keyword baseline measured in the same run. Quote the evaluation figures.

Run: `.venv/bin/python -m bench intents`
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from chatbot.intents import canonical, classify, is_notice

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
LABELLED = FIXTURES / "intents.tsv"  # the training set
EVALUATION = FIXTURES / "intents_eval.tsv"
# What a first attempt would do: fire on any of these words anywhere in the message.
BASELINE_WORDS = ("infringement", "infringe", "notice", "complaint", "copyright", "trademark", "patent",
                  "counterfeit", "dmca", "侵权", "侵權", "投诉", "投訴", "版权", "商标", "专利")
MIN_SECONDS = 1.0


def load(path: Path = LABELLED) -> list[tuple[bool, str]]:
    """(is a notice, message) rows of a labelled TSV file; a literal "\\n" in a message is a line break."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, _lang, text = line.split("\t")
            rows.append((label == "1", text.replace("\\n", "\n")))
    return rows


def baseline(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in BASELINE_WORDS)


def ours(text: str) -> bool:
    return is_notice(text)


def scores(rows: list[tuple[bool, str]], predict: Callable[[str], bool]) -> tuple[float, float, int, int]:
    tp = fp = fn = 0
    for positive, text in rows:
        found = predict(text)
        tp += positive and found
        fp += found and not positive
        fn += positive and not found
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, fp, fn


def throughput(rows: list[tuple[bool, str]], predict: Callable[[str], bool]) -> float:
    texts = [text for _, text in rows]
    done = 0
    started = time.perf_counter()
    while True:
        for text in texts:
            predict(text)
        done += len(texts)
        elapsed = time.perf_counter() - started
        if elapsed >= MIN_SECONDS:
            return done / elapsed


def report(name: str, path: Path) -> None:
    rows = load(path)
    positives = sum(1 for positive, _ in rows if positive)
    print(f"{name}: {len(rows)} messages ({positives} notice, {len(rows) - positives} other), {path.name}")
    print(f"{'':24}{'precision':>10}{'recall':>8}{'FP':>5}{'FN':>5}{'msg/s':>12}")
    for label, predict in (("classify (ours)", ours), ("keyword baseline", baseline)):
        precision, recall, fp, fn = scores(rows, predict)
        rate = throughput(rows, predict)
        print(f"{label:24}{precision:>10.3f}{recall:>8.3f}{fp:>5}{fn:>5}{rate:>12,.0f}")


def main() -> None:
    rows = load(LABELLED) + load(EVALUATION)
    classify("warm up the vocabulary")  # load knowledge/intents.yaml once, outside the timing
    canonical.cache_clear()
    started = time.perf_counter()
    for _, text in rows:
        classify(text)
    cold = len(rows) / (time.perf_counter() - started)
    report("training set (tuned on)", LABELLED)
    report("evaluation set (never tuned on)", EVALUATION)
    print(f"classify, first pass with an empty typo cache: {cold:,.0f} msg/s")
    notice = (FIXTURES / "notices" / "copyright_en.txt").read_text(encoding="utf-8")
    paste = notice + "Boilerplate footer line of a long e-mail thread. " * 1000
    started = time.perf_counter()
    runs = 20
    for _ in range(runs):
        classify(paste)
    each_ms = (time.perf_counter() - started) / runs * 1000
    print(f"a {len(paste) // 1000} KB pasted notice: {each_ms:.1f} ms each")
