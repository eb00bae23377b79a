#!/usr/bin/env bash
# Re-compile requirements/kiosk.lock: every runtime dependency of the kiosk pinned with its
# hashes, what the Linux installer and the installed-product tests install. Run after
# changing [project] dependencies in pyproject.toml; commit the result with that change.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
  --no-emit-find-links --output-file requirements/kiosk.lock pyproject.toml
# Compiled on CPython 3.11, where 6.12.0 is excluded; the pinned build serves 3.12+ as well,
# so the marker that would leave newer interpreters without Qt goes.
sed -i 's/^\(pyside6-essentials==[^ ]*\) ; python_version < "3.12"/\1/' requirements/kiosk.lock
