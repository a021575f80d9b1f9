"""Import every model module so `Base.metadata` knows all tables (for Alembic and tests)."""

from chatbot.db import models as _foundation  # noqa: F401
from chatbot.db.base import Base

metadata = Base.metadata
