#!/usr/bin/env bash
# Build the Linux one-folder app and its tarball (with a .desktop file and icon) into dist/.
# Usage: packaging/build-linux.sh   (after ./scripts/setup)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
"$PY" -m pip install -q "pyinstaller>=6.10,<7"
VERSION=$("$PY" -c 'import checkin_app; print(checkin_app.__version__)')
rm -rf build/pyinstaller dist/checkin-app
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/checkin_app.spec
# libpython ships with its symbols (18 MB of the 23); nothing at run time needs them.
strip --strip-unneeded dist/checkin-app/_internal/libpython3*.so* 2>/dev/null || true
cp packaging/linux/checkin-app.desktop dist/checkin-app/
cp resources/icon.png dist/checkin-app/checkin-app.png
cp packaging/linux/INSTALL.txt dist/checkin-app/
tarball="dist/checkin-app-${VERSION}-linux-$(uname -m).tar.gz"
tar -C dist -czf "$tarball" checkin-app
end=$(date +%s)
echo "built $tarball in $((end - start)) s"
echo "unpacked: $(du -sm dist/checkin-app | cut -f1) MB; compressed: $(du -m "$tarball" | cut -f1) MB"
