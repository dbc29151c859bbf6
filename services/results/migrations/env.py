from services.common.migrations import run_migrations
from services.results.models import Base

run_migrations(Base.metadata)
