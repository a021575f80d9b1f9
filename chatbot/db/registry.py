"""Import every model module so `Base.metadata` knows all tables (for Alembic and tests)."""

from chatbot import jobs as _jobs  # noqa: F401
from chatbot.adapters import models as _adapters  # noqa: F401
from chatbot.blocklist import models as _blocklist  # noqa: F401
from chatbot.db import models as _foundation  # noqa: F401
from chatbot.db.base import Base
from chatbot.evidence import models as _evidence  # noqa: F401
from chatbot.notices import models as _notices  # noqa: F401
from chatbot.schedule import models as _schedule  # noqa: F401
from chatbot.wecom import store as _wecom  # noqa: F401

metadata = Base.metadata
