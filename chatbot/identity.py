"""Link one person's accounts across platforms (Slack, WeCom, the terminal) with a one-time code.

The person who asks for a code gets it privately; typing it on the other account joins both
accounts into one person (`members.person_id`), so cases follow them from one platform to another.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chatbot.context import Context
from chatbot.conversation import Lang
from chatbot.db.models import LinkCode, Member
from chatbot.i18n import normalize_lang

CODE_TTL = timedelta(minutes=10)
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: codes are read and retyped
CODE_LENGTH = 8


@dataclass(frozen=True)
class LinkOutcome:
    status: str  # "linked", "already", "unknown_code", "expired", "same_account"
    other: str = ""  # the account linked to, "platform:user"


def member(session: Session, platform: str, user: str) -> Member:
    """The member row for an account, created on first sight."""
    stmt = select(Member).where(Member.platform == platform, Member.external_id == user)
    found = session.scalars(stmt).first()
    if found is not None:
        return found
    try:
        with session.begin_nested():  # a concurrent first message may insert the same member
            found = Member(platform=platform, external_id=user)
            session.add(found)
    except IntegrityError:
        found = session.scalars(stmt).one()
    return found


def chosen_lang(session: Session, found: Member) -> Lang | None:
    """The language this person chose with /lang, on this account or, failing that, on an
    account linked to it (the lowest member id wins between linked accounts that disagree)."""
    own = normalize_lang(found.lang)
    if own is not None or found.person_id is None:  # linking sets person_id on every account
        return own
    stmt = (select(Member.lang).where(Member.person_id == found.person_id, Member.lang.is_not(None))
            .order_by(Member.id).limit(1))
    return normalize_lang(session.scalars(stmt).first())


def new_code(ctx: Context, platform: str, user: str) -> str:
    code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    with ctx.db.session() as session:
        session.add(LinkCode(code=code, platform=platform, user_id=user,
                             expires_at=ctx.clock() + CODE_TTL))
    return code


def normalize_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def redeem(ctx: Context, platform: str, user: str, typed: str) -> LinkOutcome:
    code = normalize_code(typed)
    with ctx.db.session() as session:
        row = session.get(LinkCode, code, with_for_update=True)
        if row is None:
            return LinkOutcome("unknown_code")
        owner = f"{row.platform}:{row.user_id}"
        if row.expires_at <= ctx.clock():
            session.delete(row)
            return LinkOutcome("expired")
        if (row.platform, row.user_id) == (platform, user):
            return LinkOutcome("same_account")
        session.delete(row)  # single use, whatever happens next
        theirs = member(session, row.platform, row.user_id)
        mine = member(session, platform, user)
        root = theirs.person_id or theirs.id
        my_root = mine.person_id or mine.id
        if my_root == root:
            return LinkOutcome("already", owner)
        theirs.person_id = root
        # Everyone already joined to my person moves with me.
        session.execute(update(Member).where(Member.person_id == my_root).values(person_id=root))
        mine.person_id = root
        return LinkOutcome("linked", owner)


def person_member_ids(session: Session, platform: str, user: str) -> tuple[Member | None, list[int]]:
    """The ownership rule's one source: the account's member row (None if never seen) and the
    ids of every member row of the same person (the account and all accounts linked to it)."""
    found = session.scalars(select(Member).where(Member.platform == platform,
                                                 Member.external_id == user)).first()
    if found is None:
        return None, []
    root = found.person_id or found.id
    ids = session.scalars(select(Member.id).where((Member.id == root) | (Member.person_id == root))).all()
    return found, sorted(set(ids) | {found.id})


def linked_accounts(ctx: Context, platform: str, user: str) -> list[str]:
    with ctx.db.read() as session:
        me = session.scalars(select(Member).where(Member.platform == platform,
                                                  Member.external_id == user)).first()
        if me is None:
            return []
        root = me.person_id or me.id
        rows = session.scalars(select(Member).where((Member.id == root) | (Member.person_id == root)))
        return sorted(f"{m.platform}:{m.external_id}" for m in rows
                      if (m.platform, m.external_id) != (platform, user))


def _split(account: str) -> tuple[str, str]:
    platform, _, user = account.partition(":")
    return platform, user


def accounts_of(session: Session, account: str) -> list[str]:
    """Every account ("platform:user") of the person behind `account`, itself first.

    Identity is the person, not one account: wherever it matters (reporter and approver, one
    reporter per site, rate limits, thresholds), compare what this returns, never the raw string.
    """
    platform, user = _split(account)
    me = session.scalars(select(Member).where(Member.platform == platform,
                                              Member.external_id == user)).first()
    if me is None:
        return [account]
    root = me.person_id or me.id
    rows = session.scalars(select(Member).where((Member.id == root) | (Member.person_id == root)))
    others = sorted(f"{m.platform}:{m.external_id}" for m in rows)
    return [account, *(a for a in others if a != account)]


def persons(session: Session, accounts: Iterable[str]) -> set[str]:
    """The distinct people behind `accounts` (an account with no member row is its own person);
    one query, so counting reporters stays one round trip however many there are."""
    wanted = sorted(set(accounts))
    if not wanted:
        return set()
    found = {(m.platform, m.external_id): m.person_id or m.id for m in session.scalars(
        select(Member).where(tuple_(Member.platform, Member.external_id).in_([_split(a) for a in wanted])))}
    return {f"person:{found[_split(a)]}" if _split(a) in found else a for a in wanted}
