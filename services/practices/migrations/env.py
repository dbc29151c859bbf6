from services.common.migrations import run_migrations
from services.practices.models import Base

run_migrations(Base.metadata)
