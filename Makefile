# The two commands of the README: `make run` and `make test`. Both build .venv from the lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-lock

.PHONY: run test lint lock clean

$(STAMP): requirements/dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --editable .
	touch $(STAMP)

## Run the whole platform on SQLite with demo data (portal :8005, gateway :8000, services :8001-8004, worker :8006).
run: $(STAMP)
	$(BIN)/mirps up

## Run the test suite (PostgreSQL too when MIRPS_TEST_POSTGRES_URL is set).
test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy services gateway portal

## Re-resolve the lock files after changing dependencies in pyproject.toml.
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml requirements/build.in --extra dev --generate-hashes --python-version 3.11 --no-header -o requirements/dev.lock
	$(PYTHON) -m uv pip compile pyproject.toml requirements/build.in --generate-hashes --python-version 3.11 --no-header -o requirements/runtime.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
