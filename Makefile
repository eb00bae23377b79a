# The two commands of the README. Both are idempotent and install what is missing.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test test-fast translations clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(VENV)/bin/kiosk demo

test: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# Everything but the tests marked slow, for a quick loop while developing.
test-fast: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not slow"

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
