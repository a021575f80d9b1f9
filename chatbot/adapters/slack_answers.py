"""Remembered answers: the bot message that answered a user's Slack message (by channel and
the message's `ts`, which an edit keeps), so an edited question updates its answer in place."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete

from chatbot.adapters.models import SlackAnswer
from chatbot.db import Database


@dataclass(frozen=True)
class Answered:
    answer_ts: str
    meaning: str


def find(db: Database, channel: str, message_ts: str) -> Answered | None:
    """The answer remembered for the message `message_ts` in `channel`, if any."""
    with db.session() as session:
        row = session.get(SlackAnswer, (channel, message_ts))
        return Answered(row.answer_ts, row.meaning) if row is not None else None


def remember(db: Database, *, team: str, channel: str, message_ts: str, answer_ts: str,
             meaning: str) -> None:
    """Record (or move) the answer to one message."""
    with db.session() as session:
        row = session.get(SlackAnswer, (channel, message_ts))
        if row is None:
            session.add(SlackAnswer(channel=channel, message_ts=message_ts, team=team,
                                    answer_ts=answer_ts, meaning=meaning))
        else:
            row.answer_ts, row.meaning = answer_ts, meaning


def forget(db: Database, channel: str, message_ts: str) -> None:
    """The answer to one message is gone (it was deleted)."""
    with db.session() as session:
        session.execute(delete(SlackAnswer).where(SlackAnswer.channel == channel,
                                                  SlackAnswer.message_ts == message_ts))


def forget_workspace(db: Database, team: str) -> int:
    """Drop everything remembered for workspace `team`; the number of rows removed."""
    with db.session() as session:
        result = session.execute(delete(SlackAnswer).where(SlackAnswer.team == team))
        return int(getattr(result, "rowcount", 0) or 0)
