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

# Desktop integration from resources/ (the reader workstation engineer's folder): the .desktop entry, rewritten
# for this app (its Demo/Console actions belong to the full install, not to the reader build), and the icon
# in the hicolor layout. The SVG also goes to <app>/resources/icons/, where turingview.ui.app looks for the
# window icon (three levels above the package: the app folder in a PyInstaller onedir build).
mkdir -p "$app/share/applications" "$app/share/icons/hicolor/scalable/apps" "$app/share/icons/hicolor/256x256/apps"
if [ -f "$repo/resources/icons/turingview.svg" ]; then
  cp "$repo/resources/icons/turingview.svg" "$app/share/icons/hicolor/scalable/apps/turingview-reader.svg"
  mkdir -p "$app/resources/icons" && cp "$repo/resources/icons/turingview.svg" "$app/resources/icons/"
else
  echo "build-reader: no resources/icons/turingview.svg; the app has no icon" >&2
fi
if [ -f "$repo/resources/icons/turingview-256.png" ]; then
  cp "$repo/resources/icons/turingview-256.png" "$app/share/icons/hicolor/256x256/apps/turingview-reader.png"
fi
desktop="$app/share/applications/turingview-reader.desktop"
if [ -f "$repo/resources/turingview.desktop" ]; then
  awk '/^\[Desktop Action/ {exit} /^Actions=/ {next} /^TryExec=/ {next}
       /^Exec=/ {print "Exec=turingview-reader %f"; next}
       /^Icon=/ {print "Icon=turingview-reader"; next}
       /^Name=/ {print "Name=TuringView Reader"; next}
       {print}' "$repo/resources/turingview.desktop" > "$desktop"
  grep -q '^MimeType=' "$desktop" || echo 'MimeType=application/x-turingview-package;' >> "$desktop"
else
  echo "build-reader: no resources/turingview.desktop; writing a minimal entry" >&2
  cat > "$desktop" <<'DESKTOP'
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
