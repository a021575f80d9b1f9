"""Storage: SQLAlchemy 2.0 models on one declarative base, engines, sessions, migrations."""

from chatbot.db.base import Base, utcnow
from chatbot.db.engine import Database, DatabaseError

__all__ = ["Base", "Database", "DatabaseError", "utcnow"]
