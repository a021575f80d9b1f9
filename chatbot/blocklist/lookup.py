"""The read path of `check`: one indexed query answers the common case (entry, liveness, and
whether anything links it elsewhere); related entries are fetched only when signals exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select

from chatbot.blocklist.guardrails import protected_match
from chatbot.blocklist.models import Entry, Signal
from chatbot.blocklist.normalize import Site
from chatbot.blocklist.readers import readers_for
from chatbot.db import Database

# Signals that tie two sites to one operator. Registrar and abuse contact are recorded and shown,
# but never link on their own: millions of unrelated sites share GoDaddy's.
LINK_KINDS = ("store_id", "email", "registrant", "shopify_host", "ip")
MAX_RELATED = 10
ENTRY_COLUMNS = ("id", "unit", "unicode_unit", "state", "reporters", "reasons", "first_reported",
                 "listed_at", "updated_at", "flags", "merged_into", "shared_platform")

# The hot path runs on the driver's own cursor, on this thread's read connection (readers.py):
# SQLAlchemy's statement and result machinery costs several times the indexed lookup itself, on
# SQLite every SQLAlchemy transaction would also begin IMMEDIATE (a write lock) for a pure read,
# and a pool checkout costs about as much as the lookup.
_FOUND = (
    "SELECT e.id, e.unit, e.unicode_unit, e.state, e.reporters, e.reasons, e.first_reported, e.listed_at, "
    "e.updated_at, e.flags, e.merged_into, e.shared_platform, "
    "l.online, l.last_checked, l.last_seen_online, l.taken_down_at, "
    "EXISTS (SELECT 1 FROM blocklist_signals s WHERE s.unit = e.unit) AS has_signals, "
    "EXISTS (SELECT 1 FROM blocklist_entries a WHERE a.merged_into = e.id) AS has_aliases "
    "FROM blocklist_entries e LEFT JOIN blocklist_liveness l ON l.unit = e.unit WHERE e.unit = {p}"
)
_MISSING = (
    "SELECT l.online, l.last_checked, l.last_seen_online, l.taken_down_at, "
    "EXISTS (SELECT 1 FROM blocklist_signals s WHERE s.unit = {p}) AS has_signals "
    "FROM (SELECT 1 AS one) AS q LEFT JOIN blocklist_liveness l ON l.unit = {p}"
)
_FOUND_NAMES = (*ENTRY_COLUMNS, "online", "last_checked", "last_seen_online", "taken_down_at",
                "has_signals", "has_aliases")
_MISSING_NAMES = ("online", "last_checked", "last_seen_online", "taken_down_at", "has_signals")

@lru_cache(maxsize=8)
def _sql(template: str, dialect: str) -> str:
    return template.replace("{p}", "?" if dialect == "sqlite" else "%s")


_entries = Entry.__table__
_signals = Signal.__table__
_mine, _theirs = _signals.alias("mine"), _signals.alias("theirs")
_BY_ID = select(*(_entries.c[name] for name in ENTRY_COLUMNS)).where(_entries.c.id == bindparam("id"))
_ALIASES = select(_entries.c.unit).where(_entries.c.merged_into == bindparam("id"))
_LINKED = (select(_theirs.c.unit, _theirs.c.kind)
           .join(_mine, and_(_mine.c.kind == _theirs.c.kind, _mine.c.value == _theirs.c.value))
           .where(_mine.c.unit.in_(bindparam("units", expanding=True)),
                  _theirs.c.unit.not_in(bindparam("units2", expanding=True)),
                  _mine.c.kind.in_(LINK_KINDS))
           .limit(200))
_RELATED_ENTRIES = (select(_entries.c.id, _entries.c.unit, _entries.c.unicode_unit, _entries.c.state,
                           _entries.c.merged_into)
                    .where(_entries.c.unit.in_(bindparam("units", expanding=True))))
_SIGNALS_OF = (select(_signals.c.kind, _signals.c.value)
               .where(_signals.c.unit.in_(bindparam("units", expanding=True)))
               .order_by(_signals.c.kind, _signals.c.value).limit(100))


def iso(value: Any) -> str | None:
    """`2026-11-29T03:28:16Z` from an aware datetime, or from SQLite's stored text
    (`2026-11-29 03:28:16.123456`, always UTC: UTCDateTime converts before writing)."""
    if value is None:
        return None
    if isinstance(value, str):
        return f"{value[:10]}T{value[11:19]}Z"
    if value.tzinfo is not None and value.utcoffset():
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def codes(value: str | None) -> list[str]:
    return [c for c in (value or "").split(",") if c]


def entry_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "unit": row["unit"],
        "unicode_unit": row["unicode_unit"],
        "state": row["state"],
        "reporters": row["reporters"],
        "reasons": codes(row["reasons"]),
        "first_reported": iso(row["first_reported"]),
        "listed_at": iso(row["listed_at"]),
        "updated_at": iso(row["updated_at"]),
        "flags": codes(row["flags"]),
        "merged_into": row["merged_into"],
        "shared_platform": row["shared_platform"],
    }


def _fetch(db: Database, site: Site) -> tuple[dict[str, Any], bool]:
    """The entry and liveness row for a unit (entry columns None when absent); True when found."""
    dialect = db.engine.dialect.name
    found_sql, missing_sql = _sql(_FOUND, dialect), _sql(_MISSING, dialect)

    def work(cursor: Any) -> tuple[dict[str, Any], bool]:
        # fetchall, not fetchone: it finishes the statement, so SQLite keeps no read snapshot open.
        cursor.execute(found_sql, (site.unit,))
        found = cursor.fetchall()
        if found:
            return dict(zip(_FOUND_NAMES, found[0], strict=True)), True
        cursor.execute(missing_sql, (site.unit, site.unit))
        row: dict[str, Any] = dict.fromkeys(_FOUND_NAMES)
        row.update(zip(_MISSING_NAMES, cursor.fetchall()[0], strict=True))
        return row, False

    return readers_for(db.engine).run(work)


def check(db: Database, site: Site) -> dict[str, Any]:
    """The `check --json` shape for one normalised site."""
    row, found = _fetch(db, site)
    result: dict[str, Any] = {
        "unit": site.unit,
        "unicode_unit": site.unicode_unit,
        "host": site.host,
        "unicode_host": site.unicode_host,
        "registrable": site.registrable,
        "shared_platform": site.shared_platform,
        "lookalike": site.lookalike,
        "protected": protected_match(site),
        "state": "not_found",
        "id": None,
        "reporters": 0,
        "reasons": [],
        "first_reported": None,
        "listed_at": None,
        "updated_at": None,
        "flags": [],
        "merged_into": None,
        "liveness": None,
        "related": [],
        "signals": {},
    }
    if found:
        result.update(entry_fields(row))
    if row["last_checked"] is not None:
        result["liveness"] = {
            "online": None if row["online"] is None else bool(row["online"]),
            "last_checked": iso(row["last_checked"]),
            "last_seen_online": iso(row["last_seen_online"]),
            "taken_down_at": iso(row["taken_down_at"]),
        }
    if not (row["has_signals"] or row["has_aliases"] or row["state"] == "merged"):
        return result
    with db.engine.connect() as conn:
        own_ids = {row["id"]} - {None}
        if row["state"] == "merged" and row["merged_into"] is not None:
            target = conn.execute(_BY_ID, {"id": row["merged_into"]}).mappings().first()
            if target is not None:
                result.update(entry_fields(target))
                result["merged_from"] = row["id"]
                own_ids.add(target["id"])
        units = [site.unit]
        if result["id"] is not None:
            units += [u for u in conn.execute(_ALIASES, {"id": result["id"]}).scalars() if u != site.unit]
        result["related"] = related(conn, units, own_ids)
        result["signals"] = signals_of(conn, units)
    return result


def related(conn: Connection, units: list[str], exclude_ids: set[int]) -> list[dict[str, Any]]:
    found: dict[str, set[str]] = {}
    for unit, kind in conn.execute(_LINKED, {"units": units, "units2": units}):
        found.setdefault(unit, set()).add(kind)
    if not found:
        return []
    out = []
    for row in conn.execute(_RELATED_ENTRIES, {"units": list(found)}).mappings():
        if row["id"] in exclude_ids or row["merged_into"] in exclude_ids:
            continue
        out.append({"id": row["id"], "unit": row["unit"], "unicode_unit": row["unicode_unit"],
                    "state": row["state"], "via": sorted(found[row["unit"]])})
    # Strongest links first: more shared signals, and anything beyond a shared IP.
    out.sort(key=lambda r: (-len(r["via"]), r["via"] == ["ip"], r["unit"]))
    return out[:MAX_RELATED]


def signals_of(conn: Connection, units: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for kind, value in conn.execute(_SIGNALS_OF, {"units": units}):
        out.setdefault(kind, []).append(value)
    return out
