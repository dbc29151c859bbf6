from services.common.migrations import run_migrations
from services.events.models import Base

run_migrations(Base.metadata)
