# Build the Windows one-folder app (icon and version info) into dist\checkin-app and zip it.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
$py = if ($env:PY) { $env:PY } else { ".venv\Scripts\python.exe" }
& $py -m pip install -q "pyinstaller>=6.10,<7"
& $py -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\checkin_app.spec
Compress-Archive -Force -Path dist\checkin-app -DestinationPath dist\checkin-app-windows.zip
Write-Host "built dist\checkin-app-windows.zip"
