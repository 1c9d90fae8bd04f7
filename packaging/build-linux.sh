#!/usr/bin/env bash
# Build the Linux one-folder app and its tarball (with a .desktop file and icon) into dist/.
# Usage: packaging/build-linux.sh   (after ./scripts/setup; needs strip, cc and icupkg, which
# scripts/setup installs: binutils, gcc, icu-devtools). PY=... picks another Python.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
"$PY" -m pip install -q "pyinstaller>=6.10,<7"
VERSION=$("$PY" -c 'import checkin_app; print(checkin_app.__version__)')
rm -rf build/pyinstaller dist/checkin-app dist/checkin-app-*-linux-*.tar.*
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/checkin_app.spec
# Every shared library without its symbol tables (-17 MB; packaging/strip_libs.py keeps the few
# that strip would make unloadable). The executable keeps its symbols: PyInstaller keeps the app's
# archive in it.
"$PY" packaging/strip_libs.py dist/checkin-app
# Qt's ICU data cut to what Qt reads (-18 MB; the script checks the bundle's ICU imports first).
"$PY" packaging/trim_icu.py dist/checkin-app
cp packaging/linux/checkin-app.desktop dist/checkin-app/
cp checkin_app/resources/icons/icon.png dist/checkin-app/checkin-app.png
cp packaging/linux/INSTALL.txt dist/checkin-app/
# xz, not gzip: 90 MB instead of 127 MB for the same files, and every Linux desktop's tar reads it.
tarball="dist/checkin-app-${VERSION}-linux-$(uname -m).tar.xz"
tar -C dist -cf - checkin-app | xz -6 -T0 > "$tarball"
end=$(date +%s)
echo "built $tarball in $((end - start)) s"
echo "unpacked: $(du -sm dist/checkin-app | cut -f1) MB; compressed: $(du -m "$tarball" | cut -f1) MB"
"$PY" packaging/size-report.py dist/checkin-app
