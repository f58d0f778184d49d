#!/usr/bin/env bash
# Build the TuringView reader workstation for Linux with PyInstaller (one folder, no torch).
#
#   packaging/build-reader.sh [OUT_DIR]        (default OUT_DIR: dist)
#
# Uses the active Python environment (it needs TuringView's base dependencies and pyinstaller, e.g.
# `pip install -e .[dev]`). Produces OUT_DIR/turingview-reader/ (the app), a .desktop entry with the icon
# when resources/ provides them, and OUT_DIR/turingview-reader-linux-<arch>.tar.gz. Then runs the frozen app's
# smoke test offscreen when a package is given in TURINGVIEW_SMOKE_PACKAGE.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
out=${1:-$repo/dist}
work=${TURINGVIEW_BUILD_DIR:-$repo/build/pyinstaller}
python=${PYTHON:-python}

if ! "$python" -c "import PyInstaller" 2>/dev/null; then
  echo "build-reader: pyinstaller is not installed in this environment (pip install -e '.[dev]')" >&2
  exit 2
fi
if "$python" -c "import sys; sys.exit(0 if sys.platform.startswith('linux') else 1)"; then :; else
  echo "build-reader: this script builds the Linux app; see docs/install.md for Windows and macOS" >&2
  exit 2
fi

start=$(date +%s)
"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$out" --workpath "$work" "$here/pyinstaller/turingview-reader.spec"
app="$out/turingview-reader"

# Desktop integration (resources/ is the reader workstation engineer's folder).
desktop_src=""
for f in "$repo/resources/turingview.desktop" "$repo/resources/linux/turingview.desktop"; do
  [ -f "$f" ] && desktop_src=$f && break
done
icon_src=""
for f in "$repo/resources/icons/turingview.png" "$repo/resources/turingview.png" \
         "$repo/resources/icons/turingview.svg" "$repo/resources/turingview.svg"; do
  [ -f "$f" ] && icon_src=$f && break
done
mkdir -p "$app/share/applications" "$app/share/icons"
if [ -n "$icon_src" ]; then
  cp "$icon_src" "$app/share/icons/turingview-reader.${icon_src##*.}"
else
  echo "build-reader: no icon in resources/ (resources/icons/turingview.svg or .png); the app has none" >&2
fi
if [ -n "$desktop_src" ]; then
  sed -e 's|^Exec=.*|Exec=turingview-reader %f|' -e 's|^Icon=.*|Icon=turingview-reader|' \
      -e 's|^Name=.*|Name=TuringView Reader|' "$desktop_src" > "$app/share/applications/turingview-reader.desktop"
else
  echo "build-reader: no resources/turingview.desktop; writing a minimal entry" >&2
  cat > "$app/share/applications/turingview-reader.desktop" <<'DESKTOP'
[Desktop Entry]
Type=Application
Name=TuringView Reader
Comment=Blinded reader study workstation
Exec=turingview-reader %f
Icon=turingview-reader
Terminal=false
Categories=Science;MedicalSoftware;Graphics;
MimeType=application/x-turingview-package;
DESKTOP
fi

arch=$(uname -m)
tar -C "$out" -czf "$out/turingview-reader-linux-$arch.tar.gz" turingview-reader
end=$(date +%s)
size=$(du -sm "$app" | cut -f1)
echo "build-reader: built $app in $((end - start)) s, ${size} MB (archive: $out/turingview-reader-linux-$arch.tar.gz)"

if [ -n "${TURINGVIEW_SMOKE_PACKAGE:-}" ]; then
  QT_QPA_PLATFORM=offscreen timeout 120 "$app/turingview-reader" --smoke-test --package "$TURINGVIEW_SMOKE_PACKAGE"
fi
