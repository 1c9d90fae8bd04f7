#!/usr/bin/env bash
# Build "Checkin App.app" (one-folder bundle with the camera-usage description) into dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
"$PY" -m pip install -q "pyinstaller>=6.10,<7"
"$PY" -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/checkin_app.spec
(cd dist && ditto -c -k --keepParent "Checkin App.app" "checkin-app-macos.zip")
echo "built dist/Checkin App.app and dist/checkin-app-macos.zip"
