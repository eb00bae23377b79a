#!/usr/bin/env bash
# Set up a Debian/Ubuntu office PC as a counter kiosk, or take it off again.
#
#   sudo installer/linux/install.sh [--user kiosk] [--cloud-url URL --terminal-id ID | --config FILE]
#   sudo installer/linux/install.sh --uninstall
#   installer/linux/install.sh --dry-run          # list every package and file, touch nothing
#   installer/linux/install.sh --root DIR         # files only, under DIR (tests, packaging):
#                                                 # no apt, no user, no venv, no systemctl
#
# What it does: apt packages (pcscd, libccid, a Japanese font, the keyring, what pyscard
# builds with); pcscd.socket enabled; a polkit rule letting the kiosk user use PC/SC
# (org.debian.pcsc-lite.access_pcsc / access_card: recent Ubuntu refuses it otherwise);
# a dedicated user; the application in a venv under /opt/kiosk; `kiosk` on the PATH; a
# desktop entry; autostart of `kiosk run` full screen in that user's session; a systemd
# user timer running `kiosk outbox flush` every 5 minutes. Re-running is harmless.
# The uninstall removes exactly what the manifest lists and keeps the kiosk user, its
# database and its keyring (the settlement records must not be lost with the software).
set -euo pipefail

APP_DIR=/opt/kiosk
MANIFEST="$APP_DIR/install-manifest.txt"
# The xcb libraries are what Qt's platform plugin needs on the office display: without them
# Qt aborts when the window opens (`kiosk doctor` checks them as qt_platform).
PACKAGES=(pcscd libccid pcsc-tools libpcsclite1 libpcsclite-dev swig build-essential python3-dev python3-venv
          fontconfig fonts-ipafont-gothic gnome-keyring libpam-gnome-keyring libsecret-1-0
          libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
          libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
          libxcb-xkb1 libxcb-randr0 libxcb-xinerama0 libx11-xcb1)

DRY_RUN=0; ROOT=""; KIOSK_USER=kiosk; UNINSTALL=0; CONFIG_FILE=""; CLOUD_URL=""; TERMINAL_ID=""; WHEELS=""
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "install.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --root) ROOT="${2:?--root needs a directory}"; shift ;;
    --root=*) ROOT="${1#*=}" ;;
    --user) KIOSK_USER="${2:?--user needs a name}"; shift ;;
    --config) CONFIG_FILE="${2:?--config needs a file}"; shift ;;
    --cloud-url) CLOUD_URL="${2:?}"; shift ;;
    --terminal-id) TERMINAL_ID="${2:?}"; shift ;;
    --source) SOURCE="${2:?}"; shift ;;
    --wheels) WHEELS="${2:?}"; shift ;;
    --uninstall) UNINSTALL=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die "不明なオプション / unknown option: $1" ;;
  esac
  shift
done
[[ "$KIOSK_USER" =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || die "ユーザー名が不正 / bad user name: $KIOSK_USER"
[ -z "$CONFIG_FILE" ] || [ -f "$CONFIG_FILE" ] || die "設定ファイルがありません / no such config file: $CONFIG_FILE"
ROOT="${ROOT%/}"
[ -z "$ROOT" ] || [[ "$ROOT" == /* ]] || ROOT="$PWD/$ROOT"
if [ "$DRY_RUN" = 0 ] && [ -z "$ROOT" ] && [ "$(id -u)" != 0 ]; then
  die "root で実行してください (sudo) / run as root (sudo), or use --dry-run / --root DIR"
fi

HOME_DIR="/home/$KIOSK_USER"
if [ -z "$ROOT" ] && getent passwd "$KIOSK_USER" >/dev/null; then HOME_DIR="$(getent passwd "$KIOSK_USER" | cut -d: -f6)"; fi

# --- primitives: every change goes through these, so --dry-run lists all of them -----------
say() { printf '%s\n' "$*"; }
system() {  # a command that changes the system outside the file tree
  local shown; shown="$(printf '%q ' "$@")"
  if [ "$DRY_RUN" = 1 ]; then say "RUN     $shown"; elif [ -n "$ROOT" ]; then say "SKIP    $shown(--root)"
  else say "RUN     $shown"; "$@"; fi
}
record() { [ "$DRY_RUN" = 1 ] || printf '%s\n' "$1" >> "$ROOT$MANIFEST"; }
put_dir() {  # put_dir PATH MODE
  say "DIR     $ROOT$1"
  [ "$DRY_RUN" = 1 ] || install -d -m "$2" "$ROOT$1"
}
put_file() {  # put_file PATH MODE [keep] < content    ("keep": not removed by the uninstall)
  say "FILE    $ROOT$1"
  if [ "$DRY_RUN" = 1 ]; then cat >/dev/null; return; fi
  install -d "$(dirname "$ROOT$1")"
  cat > "$ROOT$1.tmp.$$" && chmod "$2" "$ROOT$1.tmp.$$" && mv -f "$ROOT$1.tmp.$$" "$ROOT$1"
  [ "${3:-}" = keep ] || record "$1"
}
put_link() {  # put_link TARGET LINK
  say "LINK    $ROOT$2 -> $1"
  [ "$DRY_RUN" = 1 ] && return
  install -d "$(dirname "$ROOT$2")"
  ln -sfn "$1" "$ROOT$2"
  record "$2"
}
owned_by_user() {  # hand the user's own files to the user (real installs only)
  if [ "$DRY_RUN" = 0 ] && [ -z "$ROOT" ]; then chown -R "$KIOSK_USER:$KIOSK_USER" "$@"; fi
}

# --- uninstall -----------------------------------------------------------------------------
if [ "$UNINSTALL" = 1 ]; then
  if [ -f "$ROOT$MANIFEST" ]; then
    while IFS= read -r path; do
      [ -n "$path" ] || continue
      say "REMOVE  $ROOT$path"
      [ "$DRY_RUN" = 1 ] || rm -f "$ROOT$path"
    done < <(sort -u "$ROOT$MANIFEST")
  fi
  say "REMOVE  $ROOT$APP_DIR"
  [ "$DRY_RUN" = 1 ] || rm -rf -- "$ROOT$APP_DIR"
  say "KEEP    user $KIOSK_USER, $HOME_DIR/.config/kiosk, $HOME_DIR/.local/share/kiosk (database), the keyring"
  say "        (利用者・データベース・鍵は残します / the user, the database and the keys are kept)"
  exit 0
fi

[ "$DRY_RUN" = 0 ] || say "# --dry-run: 何も変更しません / nothing is changed"
# --- 1. packages and the PC/SC service ------------------------------------------------------
for p in "${PACKAGES[@]}"; do say "PACKAGE $p"; done
system apt-get update
system env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}"
system systemctl enable --now pcscd.socket

# --- 2. the dedicated user -----------------------------------------------------------------
if [ -n "$ROOT" ] || ! getent passwd "$KIOSK_USER" >/dev/null 2>&1; then
  system useradd --create-home --shell /bin/bash --comment "Counter kiosk" "$KIOSK_USER"
fi

put_dir "$APP_DIR" 0755
[ "$DRY_RUN" = 1 ] || : > "$ROOT$MANIFEST"

# --- 3. polkit: the kiosk user may use PC/SC (polkit >= 0.106 JavaScript rules, and the
#        .pkla form that older polkit (0.105: Debian 11, Ubuntu <= 22.04) reads) --------------
put_file /etc/polkit-1/rules.d/60-kiosk-pcsc.rules 0644 <<EOF
// Counter kiosk: let the user "$KIOSK_USER" use PC/SC readers and cards (installer/linux/install.sh).
polkit.addRule(function(action, subject) {
    if ((action.id == "org.debian.pcsc-lite.access_pcsc" ||
         action.id == "org.debian.pcsc-lite.access_card") &&
        subject.user == "$KIOSK_USER") {
        return polkit.Result.YES;
    }
});
EOF
put_file /etc/polkit-1/localauthority/50-local.d/60-kiosk-pcsc.pkla 0644 <<EOF
[Counter kiosk: PC/SC for $KIOSK_USER]
Identity=unix-user:$KIOSK_USER
Action=org.debian.pcsc-lite.access_pcsc;org.debian.pcsc-lite.access_card
ResultAny=yes
ResultInactive=yes
ResultActive=yes
EOF

# --- 4. the application in a venv -----------------------------------------------------------
# The built wheel, never the source tree, and its dependencies exactly as CI tested them:
# requirements/kiosk.lock pins every package with its hashes. --wheels DIR installs offline
# from a folder holding the kiosk wheel and every locked dependency.
LOCK="$SOURCE/requirements/kiosk.lock"
[ -f "$LOCK" ] || die "ロックファイルがありません / no lock file: $LOCK"
PIP="$APP_DIR/venv/bin/pip"
system python3 -m venv "$APP_DIR/venv"
if [ -n "$WHEELS" ]; then
  system "$PIP" install --no-index --find-links "$WHEELS" --require-hashes -r "$LOCK"
  system "$PIP" install --no-index --no-deps --find-links "$WHEELS" kiosk
else
  system "$PIP" install --require-hashes -r "$LOCK"
  system "$APP_DIR/venv/bin/python" -m pip wheel --no-deps --wheel-dir "$APP_DIR/wheels" "$SOURCE"
  system "$PIP" install --no-index --no-deps --find-links "$APP_DIR/wheels" kiosk
fi
put_file /usr/local/bin/kiosk 0755 <<EOF
#!/bin/sh
exec $APP_DIR/venv/bin/kiosk "\$@"
EOF

# --- 5. desktop entry and full-screen autostart in the kiosk user's session --------------------
# `kiosk run` starts the counter screens; the autostart adds --fullscreen (ui.fullscreen says the same).
DESKTOP="[Desktop Entry]
Type=Application
Name=Counter kiosk
Name[ja]=ポイント交換窓口
Comment=Experiment points to Breka points
Exec=$APP_DIR/venv/bin/kiosk run
Terminal=false
Categories=Office;
StartupNotify=false"
printf '%s\n' "$DESKTOP" | put_file /usr/share/applications/kiosk.desktop 0644
printf '%s\nX-GNOME-Autostart-enabled=true\nX-GNOME-Autostart-Delay=2\n' "${DESKTOP/kiosk run/kiosk run --fullscreen}" \
  | put_file "$HOME_DIR/.config/autostart/kiosk.desktop" 0644

CONFIG_PATH="$HOME_DIR/.config/kiosk/config.toml"
if [ -n "$CONFIG_FILE" ]; then
  put_file "$CONFIG_PATH" 0644 keep < "$CONFIG_FILE"
elif [ -e "$ROOT$CONFIG_PATH" ]; then
  say "KEEP    $ROOT$CONFIG_PATH (already configured)"
else
  {
    printf '[ui]\nlanguage = "ja"\nfullscreen = true\n'
    if [ -n "$CLOUD_URL$TERMINAL_ID" ]; then
      printf '\n[cloud]\n'
      [ -z "$CLOUD_URL" ] || printf 'url = "%s"\n' "$CLOUD_URL"
      [ -z "$TERMINAL_ID" ] || printf 'terminal_id = "%s"\n' "$TERMINAL_ID"
    fi
  } | put_file "$CONFIG_PATH" 0644 keep
fi

# --- 6. the outbox uploader: a systemd user timer in the kiosk user's session -----------------
# A user unit (not a system one): the terminal secret lives in that user's keyring, unlocked at login.
put_file /etc/systemd/user/kiosk-outbox.service 0644 <<EOF
[Unit]
Description=Counter kiosk: upload the signed settlement records (kiosk outbox flush)
After=network-online.target

[Service]
Type=oneshot
ExecStart=$APP_DIR/venv/bin/kiosk outbox flush
# exit 1 = records stay queued (cloud down): the next run retries; nothing is lost.
SuccessExitStatus=1
TimeoutStartSec=10min
EOF
put_file /etc/systemd/user/kiosk-outbox.timer 0644 <<EOF
[Unit]
Description=Counter kiosk: upload the settlement records every 5 minutes

[Timer]
OnStartupSec=2min
OnUnitActiveSec=5min
RandomizedDelaySec=30s
Persistent=true

[Install]
WantedBy=timers.target
EOF
put_link /etc/systemd/user/kiosk-outbox.timer "$HOME_DIR/.config/systemd/user/timers.target.wants/kiosk-outbox.timer"
owned_by_user "$HOME_DIR/.config"

say "DONE    次: kiosk secrets … と kiosk doctor（$KIOSK_USER でログインして） / next, logged in as $KIOSK_USER:"
say "        kiosk secrets set breka-k1-master; kiosk secrets set terminal-secret;"
say "        kiosk secrets generate device-key-ed25519; kiosk secrets generate card-ref-key;"
say "        kiosk staff-pin set technician; kiosk staff-pin set clerk; kiosk doctor"
