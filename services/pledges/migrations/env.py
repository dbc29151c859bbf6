from services.common.migrations import run_migrations
from services.pledges.models import Base

run_migrations(Base.metadata)
