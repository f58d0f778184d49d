#!/usr/bin/env bash
# Installs the Debian packages TuringView needs on a fresh machine, only those missing:
#   Qt runtime libraries (offscreen and X11), Xvfb for screenshots, PostgreSQL for the shared-database tests,
#   poppler-utils to look at rendered PDF reports.
# Runs apt-get only as root (or through sudo when it is there); otherwise it lists what is missing.
set -euo pipefail
packages=(
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0
  fonts-dejavu-core xvfb xauth postgresql poppler-utils
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "system-deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo_cmd=(); elif command -v sudo >/dev/null; then sudo_cmd=(sudo -n); else
  echo "system-deps: not root and no sudo; please install: ${missing[*]}" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
