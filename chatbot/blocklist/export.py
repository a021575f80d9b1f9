"""Exports (CSV, JSON, plain list) streamed page by page, and an idempotent import.

Exports carry only `listed` entries and only neutral facts: the unit, its Unicode form, reason
codes, first-reported and listed dates, and whether the site answered when last checked. No
free-text accusations, no reporter identities. Rows are read in keyset pages ordered by unit, so
a million rows stream with flat memory, and the same data always exports to the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from chatbot.blocklist.errors import invalid, refused
from chatbot.blocklist.guardrails import protected_match
from chatbot.blocklist.lookup import codes, iso
from chatbot.blocklist.models import CATEGORIES, AuditRow, Entry, Liveness
from chatbot.blocklist.normalize import InvalidSite, normalize_site
from chatbot.blocklist.service import Actor
from chatbot.db import Database

FORMATS = ("csv", "json", "txt")
FIELDS = ("unit", "unicode_unit", "reasons", "first_reported", "listed_at", "online")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
               "txt": "text/plain; charset=utf-8"}
JSON_FORMAT = "sellerguard-blocklist/1"
TXT_HEADER = "# SellerGuard community blocklist: listed sites (domain or shared-platform host), one a line\n"
PAGE = 10_000
_RELATIVE = re.compile(r"^(\d{1,5})\s*([hdw])$")


def parse_since(text: str | None, now: datetime) -> datetime | None:
    """`2026-11-01`, `2026-11-01T08:00:00Z`, or a relative `24h` / `7d` / `2w`; None for empty."""
    value = (text or "").strip()
    if not value:
        return None
    relative = _RELATIVE.match(value.lower())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now - timedelta(hours=amount * {"h": 1, "d": 24, "w": 168}[unit])
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid("bad_since", value=value[:60]) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_PAGE_SQL = (
    "SELECT e.unit, e.unicode_unit, e.reasons, e.first_reported, e.listed_at, l.online "
    "FROM blocklist_entries e LEFT JOIN blocklist_liveness l ON l.unit = e.unit "
    "WHERE e.state = 'listed' AND e.unit > {p}{since} ORDER BY e.unit LIMIT {limit}"
)


Row = tuple[str, str, str, str | None, str | None, bool | None]  # the FIELDS, reasons comma-joined


def iter_rows(db: Database, since: datetime | None = None, page: int = PAGE) -> Iterator[Row]:
    """Listed entries ordered by unit, one short query per page on the (state, unit) index: no
    long-held cursor or transaction, and flat memory however long the list.

    Runs on the driver's cursor: SQLAlchemy's per-row type processing would triple the time.
    """
    sqlite = db.is_sqlite
    mark = "?" if sqlite else "%s"
    sql = _PAGE_SQL.format(p=mark, since=f" AND e.updated_at >= {mark}" if since else "", limit=int(page))
    extra: tuple[Any, ...] = ()
    if since is not None:
        when = since.astimezone(UTC)
        # SQLite compares the stored text, so the bound value must be written the same way.
        extra = (when.strftime("%Y-%m-%d %H:%M:%S.%f"),) if sqlite else (when,)
    last = ""
    while True:
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(sql, (last, *extra))
            rows = cursor.fetchall()
        finally:
            raw.close()
        for unit, unicode_unit, reasons, first, listed, online in rows:
            yield (unit, unicode_unit, reasons, iso(first), iso(listed),
                   None if online is None else bool(online))
        if len(rows) < page:
            return
        last = rows[-1][0]


def as_dict(row: Row) -> dict[str, Any]:
    unit, unicode_unit, reasons, first, listed, online = row
    return {"unit": unit, "unicode_unit": unicode_unit, "reasons": codes(reasons),
            "first_reported": first, "listed_at": listed, "online": online}


def iter_listed(db: Database, since: datetime | None = None, page: int = PAGE) -> Iterator[dict[str, Any]]:
    return (as_dict(row) for row in iter_rows(db, since, page))


_NEEDS_QUOTES = re.compile(r'[",\r\n]')
_ONLINE = {None: "", True: "yes", False: "no"}


def _csv_line(row: Row, writer: Any) -> str | None:
    unit, unicode_unit, reasons, first, listed, online = row
    fields = (unit, unicode_unit, reasons.replace(",", ";"), first or "", listed or "", _ONLINE[online])
    if _NEEDS_QUOTES.search(unicode_unit):  # never for a valid IDN, but the file must stay valid
        writer.writerow(fields)
        return None
    return ",".join(fields) + "\n"


def _json_value(value: str | None) -> str:
    return "null" if value is None else f'"{value}"'


def _json_line(row: Row) -> str:
    """The row as `json.dumps(as_dict(row), ensure_ascii=False, sort_keys=True)` writes it, built
    directly: units, dates and reason codes never need escaping; the Unicode name goes through
    json.dumps all the same."""
    unit, unicode_unit, reasons, first, listed, online = row
    codes_json = ", ".join(f'"{c}"' for c in codes(reasons))
    online_json = "null" if online is None else ("true" if online else "false")
    name = f'"{unit}"' if unicode_unit == unit else json.dumps(unicode_unit, ensure_ascii=False)
    return (f'{{"first_reported": {_json_value(first)}, "listed_at": {_json_value(listed)}, '
            f'"online": {online_json}, "reasons": [{codes_json}], '
            f'"unicode_unit": {name}, "unit": "{unit}"}}')


def render(rows: Iterable[Row], fmt: str) -> Iterator[str]:
    """Text chunks of an export, about a thousand rows at a time."""
    if fmt not in FORMATS:
        raise invalid("bad_format", value=fmt, choices=", ".join(FORMATS))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if fmt == "txt":
        buffer.write(TXT_HEADER)
    elif fmt == "json":
        buffer.write(json.dumps({"format": JSON_FORMAT})[:-1] + ', "entries": [')  # closed below
    else:
        writer.writerow(FIELDS)
    separator = "\n"
    for count, row in enumerate(rows, 1):
        if fmt == "txt":
            buffer.write(row[0] + "\n")
        elif fmt == "csv":
            line = _csv_line(row, writer)
            if line is not None:
                buffer.write(line)
        else:
            buffer.write(separator + _json_line(row))
            separator = ",\n"
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if fmt == "json":
        buffer.write("\n]}\n")
    yield buffer.getvalue()


def export(db: Database, fmt: str, since: datetime | None = None) -> Iterator[str]:
    if fmt not in FORMATS:
        raise invalid("bad_format", value=fmt, choices=", ".join(FORMATS))
    return render(iter_rows(db, since), fmt)


def feed_version(db: Database, fmt: str, since: datetime | None) -> str:
    """A strong ETag for an export, from two index-only reads (cheap on a million rows): every
    state change, edit and import appends an audit row (its id only grows), and a liveness flip
    bumps the entry's `updated_at`."""
    entries, audit = Entry.__table__, AuditRow.__table__
    with db.engine.connect() as conn:
        last_change = conn.execute(select(func.max(audit.c.id))).scalar()
        newest = conn.execute(select(func.max(entries.c.updated_at))).scalar()
    stamp = newest.isoformat() if newest else ""
    key = f"{JSON_FORMAT}|{fmt}|{iso(since) if since else ''}|{last_change or 0}|{stamp}"
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


# -- import -------------------------------------------------------------------------------------
@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # already on the list in another state (moderators' decision stands)
    skipped_units: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "skipped": self.skipped, "skipped_units": self.skipped_units[:20]}


def detect_format(name: str, given: str | None) -> str:
    if given:
        if given not in FORMATS:
            raise invalid("bad_format", value=given, choices=", ".join(FORMATS))
        return given
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in FORMATS:
        return suffix
    raise invalid("import_format_unknown", name=name[:200], choices=", ".join(FORMATS))


def read_rows(handle: TextIO, fmt: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line or position, row) pairs from an export file; raises `invalid` on a malformed file."""
    if fmt == "txt":
        for number, line in enumerate(handle, 1):
            entry = line.split("#", 1)[0].strip()
            if entry:
                yield number, {"unit": entry}
    elif fmt == "csv":
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "unit" not in reader.fieldnames:
            raise invalid("import_bad_file", name="csv", detail="the first line must name the columns, "
                                                                "including unit")
        for number, raw in enumerate(reader, 2):
            online = (raw.get("online") or "").strip().lower()
            yield number, {"unit": raw.get("unit") or "", "reasons": (raw.get("reasons") or "").split(";"),
                           "first_reported": raw.get("first_reported"), "listed_at": raw.get("listed_at"),
                           "online": {"yes": True, "no": False}.get(online)}
    else:
        try:
            document = json.load(handle)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise invalid("import_bad_file", name="json", detail=str(exc)[:120]) from None
        items = document.get("entries") if isinstance(document, dict) else document
        if not isinstance(items, list):
            raise invalid("import_bad_file", name="json", detail='expected {"entries": [...]}')
        for number, item in enumerate(items, 1):
            if not isinstance(item, dict):
                raise invalid("import_bad_row", line=number, detail="not an object")
            yield number, item


def _when(value: Any, line: int) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise invalid("import_bad_row", line=line, detail=f"bad date {str(value)[:40]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _clean(line: int, item: dict[str, Any], now: datetime) -> dict[str, Any]:
    try:
        site = normalize_site(str(item.get("unit") or ""))
    except InvalidSite as exc:
        raise invalid("import_bad_row", line=line, detail=f"{exc.code}: {str(item.get('unit'))[:80]!r}") \
            from None
    if protected_match(site) is not None:
        raise invalid("import_bad_row", line=line, detail=f"{site.unit} is a protected site")
    reasons = item.get("reasons")
    if reasons is None:  # a plain list names no reasons: keep what is there
        reasons = []
    if isinstance(reasons, str):
        reasons = reasons.replace(";", ",").split(",")
    codes = sorted({str(c).strip().lower() for c in reasons if str(c).strip()})
    unknown = [c for c in codes if c not in CATEGORIES]
    if unknown:
        raise invalid("import_bad_row", line=line, detail=f"unknown reason {unknown[0]!r}")
    online = item.get("online")
    return {"unit": site.unit, "unicode_unit": site.unicode_unit, "registrable": site.registrable,
            "shared_platform": site.shared_platform, "flags": "lookalike" if site.lookalike else "",
            "reasons": ",".join(codes) if "reasons" in item else None,
            "first_reported": _when(item.get("first_reported"), line),
            "listed_at": _when(item.get("listed_at"), line),
            "online": online if isinstance(online, bool) else None}


def _plain(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value


def _differs(old: Any, new: Any) -> bool:
    return _plain(old) != _plain(new)


def import_rows(db: Database, actor: Actor, rows: Iterable[tuple[int, dict[str, Any]]], now: datetime,
                batch: int = 1000) -> ImportResult:
    """Add listed entries; one transaction, so a bad row anywhere leaves nothing written.

    Running the same file twice changes nothing the second time. Entries already present in
    another state (reported, rejected, delisted, disputed) are left to the moderators.
    """
    if not actor.is_moderator:
        raise refused("moderators_only")
    result = ImportResult()
    entries, audit, liveness = Entry.__table__, AuditRow.__table__, Liveness.__table__
    insert = sqlite_insert if db.is_sqlite else pg_insert
    with db.session() as session:
        pending: dict[str, dict[str, Any]] = {}

        def flush() -> None:
            existing = {row.unit: row for row in session.execute(
                select(entries.c.id, entries.c.unit, entries.c.state, entries.c.reasons,
                       entries.c.first_reported, entries.c.listed_at)
                .where(entries.c.unit.in_(list(pending))))}
            fresh = [row for unit, row in pending.items() if unit not in existing]
            if fresh:
                session.execute(entries.insert(), [
                    {"unit": r["unit"], "unicode_unit": r["unicode_unit"], "registrable": r["registrable"],
                     "shared_platform": r["shared_platform"], "state": "listed",
                     "reasons": r["reasons"] or "", "reporters": 0, "flags": r["flags"], "note": "",
                     "first_reported": r["first_reported"] or now, "listed_at": r["listed_at"] or now,
                     "updated_at": now} for r in fresh])
                ids = dict(session.execute(select(entries.c.unit, entries.c.id)
                                           .where(entries.c.unit.in_([r["unit"] for r in fresh]))).all())
                session.execute(audit.insert(), [
                    {"entry_id": ids[r["unit"]], "actor": actor.id, "action": "import", "before": None,
                     "after": "listed", "reason": "", "detail": {}, "created_at": now} for r in fresh])
                result.created += len(fresh)
            for unit, old in existing.items():
                new = pending[unit]
                if old.state != "listed":
                    result.skipped += 1
                    result.skipped_units.append(unit)
                    continue
                changes = {name: new[name] for name in ("reasons", "first_reported", "listed_at")
                           if new[name] is not None and _differs(getattr(old, name), new[name])}
                if not changes:
                    result.unchanged += 1
                    continue
                session.execute(update(entries).where(entries.c.id == old.id)
                                .values(updated_at=now, **changes))
                session.execute(audit.insert(), [{
                    "entry_id": old.id, "actor": actor.id, "action": "import_update", "before": "listed",
                    "after": "listed", "reason": "", "created_at": now,
                    "detail": {name: {"before": _plain(getattr(old, name)), "after": _plain(value)}
                               for name, value in changes.items()}}])
                result.updated += 1
            live = [{"unit": r["unit"], "online": r["online"], "last_checked": now}
                    for r in pending.values() if r["online"] is not None
                    and (r["unit"] not in existing or existing[r["unit"]].state == "listed")]
            if live:
                known = dict(session.execute(select(liveness.c.unit, liveness.c.online)
                                             .where(liveness.c.unit.in_([r["unit"] for r in live]))).all())
                session.execute(insert(liveness).on_conflict_do_nothing(), live)
                for r in live:
                    if r["unit"] in known and known[r["unit"]] is not r["online"]:
                        session.execute(update(liveness).where(liveness.c.unit == r["unit"])
                                        .values(online=r["online"]))
            pending.clear()

        for line, item in rows:
            row = _clean(line, item, now)
            pending[row["unit"]] = row
            if len(pending) >= batch:
                flush()
        if pending:
            flush()
    return result
