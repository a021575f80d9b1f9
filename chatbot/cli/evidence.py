"""`sellerguard evidence verify FILE.wacz` and `sellerguard evidence prune`.

verify exits 0 when the package is intact, 1 when anything in it differs from what was recorded
(or it is no package at all), 2 when the file does not exist.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from chatbot.cli.common import EXIT_INVALID, EXIT_OK, EXIT_REFUSED, fail, settings
from chatbot.conversation import Lang
from chatbot.evidence import archive, verify
from chatbot.i18n import normalize_lang, t

SHOWN_URLS = 20  # responses listed by verify; the rest are counted


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("evidence", help="check or tidy evidence packages (WACZ)")
    sub = parser.add_subparsers(dest="evidence_command", metavar="ACTION", required=True)
    check = sub.add_parser("verify", help="re-check every hash in a package and show what it holds")
    check.add_argument("file", help="the .wacz file")
    check.add_argument("--lang", choices=["en", "zh", "zh-Hant"], default=None)
    check.set_defaults(run=run_verify)
    prune = sub.add_parser("prune", help="delete packages older than SELLERGUARD_REPORT_RETENTION_DAYS")
    prune.add_argument("--lang", choices=["en", "zh", "zh-Hant"], default=None)
    prune.set_defaults(run=run_prune)


def _lang(args: argparse.Namespace) -> Lang:
    return normalize_lang(args.lang or settings().default_lang) or "en"


def run_verify(args: argparse.Namespace) -> int:
    lang = _lang(args)
    path = Path(args.file)
    if not path.is_file():
        fail(t("evidence.verify.not_found", lang, file=args.file), EXIT_INVALID)
    verdict = verify.check(path)
    lines = []
    if verdict.ok:
        lines.append(t("evidence.verify.ok", lang, file=path.name))
    else:
        lines.append(t("evidence.verify.failed", lang, file=path.name, count=len(verdict.problems)))
        lines += [f"  - {t(f'evidence.verify.problem.{code}', lang, detail=detail)}"
                  for code, detail in verdict.problems]
    if verdict.created or verdict.main_url:
        lines.append(t("evidence.verify.created", lang, when=verdict.created, url=verdict.main_url))
    if verdict.files:
        lines.append(t("evidence.verify.files", lang, count=len(verdict.files),
                       bytes=sum(size for _, size in verdict.files)))
    if verdict.records:
        lines.append(t("evidence.verify.records", lang, records=verdict.records, responses=len(verdict.urls)))
        lines += [t("evidence.verify.response", lang, when=w, status=s, url=u)
                  for w, s, u in verdict.urls[:SHOWN_URLS]]
        if len(verdict.urls) > SHOWN_URLS:
            lines.append(t("evidence.verify.more", lang, count=len(verdict.urls) - SHOWN_URLS))
    stamp = verdict.timestamp
    if stamp.get("ok"):
        lines.append(t("evidence.verify.timestamp_ok", lang, time=stamp.get("time", ""),
                       tsa=stamp.get("tsa", "")))
        lines.append(t("evidence.verify.timestamp_chain", lang, ca=stamp.get("ca", ""))
                     if stamp.get("chain") == "verified" else t("evidence.verify.timestamp_no_chain", lang))
    elif stamp.get("ok") is None and verdict.files:
        lines.append(t("evidence.verify.timestamp_none", lang))
    print("\n".join(lines))
    return EXIT_OK if verdict.ok else EXIT_REFUSED


def run_prune(args: argparse.Namespace) -> int:
    config = settings()
    lang: Lang = normalize_lang(args.lang or config.default_lang) or "en"
    count = archive.prune(config)
    print(t("evidence.prune", lang, count=count, days=config.report_retention_days))
    return EXIT_OK
