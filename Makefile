# The two commands of the README. Both are idempotent and install what is missing.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test test-fast test-unit lint lock clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(VENV)/bin/kiosk demo

test: setup lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# Everything but the tests marked slow, for a quick loop while developing.
test-fast: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not slow"

# The unit tests: no pcscd, no slow tests (under two minutes on the 2-core machines).
test-unit: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not pcsc and not slow"

# Style and types, as CI runs them before the tests (configured in pyproject.toml).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Re-pin the runtime dependencies with hashes (requirements/kiosk.lock) after changing them.
lock: setup
	bash scripts/lock.sh

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
