#!/usr/bin/env bash
# Idempotent set-up for a Debian/Ubuntu machine: system packages (apt-get, sudo only when
# not root) and a venv with the kiosk and its test dependencies. Used by `make demo`/`make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# pcscd + the vpcd virtual reader driver; swig + libpcsclite-dev build pyscard where no wheel fits;
# opensc is independent JPKI software the card tests check the virtual card against;
# a CJK font for Japanese screens and PDFs (IPA Gothic: reportlab embeds it); poppler-utils
# (pdftotext/pdftoppm) lets the tests read the monthly PDF; the GL/xkb/fontconfig/dbus libraries Qt needs
# even offscreen, and the xcb libraries its platform plugin needs on a real display (without them Qt
# aborts when the window opens; `kiosk doctor` checks them as qt_platform); python3-venv for the venv.
APT_PACKAGES=(
  pcscd vsmartcard-vpcd libccid swig libpcsclite-dev opensc
  fonts-ipafont-gothic fonts-noto-cjk
  libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libglib2.0-0 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
  libxcb-xkb1 libxcb-randr0 libxcb-xinerama0 libx11-xcb1
  poppler-utils python3-venv python3-dev gcc make procps
)
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# Re-install only when pyproject.toml changed since the last successful install.
stamp="$VENV/.kiosk-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ demo/pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing the kiosk into $VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e '.[test,demo]' -e ./demo
  touch "$stamp"
fi
echo "setup: ready ($("$VENV/bin/kiosk" --version))"
