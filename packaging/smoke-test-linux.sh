#!/usr/bin/env bash
# Smoke-test the Linux bundle the way a venue would use it: from a scratch directory, with a bare
# environment (no virtualenv, no source checkout on any path), import a sample payload, scan a
# ticket twice (admitted, then refused) and start the GUI offscreen until it is door-ready.
# Usage: packaging/smoke-test-linux.sh [dist/checkin-app]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bundle=$(cd "${1:-$here/dist/checkin-app}" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$here/resources/demo/tickettailor-orders.json" "$scratch/orders.json"
cd "$scratch"

app() {  # the bundle with nothing of the development environment around it
  env -i HOME="$scratch/home" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
    "$bundle/checkin-app" --data-dir "$scratch/door" "$@"
}
fail() { echo "smoke test FAILED: $*" >&2; exit 1; }

# The package's own files, where importlib.resources looks for them (the window below reads the
# style sheet and icon; the door plays the sounds).
for f in style.qss icons/icon.png sounds/admitted.wav sounds/warning.wav sounds/refused.wav; do
  [ -s "$bundle/_internal/checkin_app/resources/$f" ] || fail "the bundle has no resources/$f"
done
# The venue hub's server ships inside the bundle (`doors hub` runs it).
"$bundle/_internal/nats-server" --version | grep -q "nats-server" || fail "the bundle has no working nats-server"
app --help | grep -q "scan" || fail "--help does not list the commands"
app import orders.json | grep -q "9 tickets" || fail "import of the sample payload"
out=$(app scan aH5YpPP --json) || fail "first scan was not admitted: $out"
echo "$out" | grep -q '"verdict": *"admitted"' || fail "first scan verdict: $out"
set +e
out=$(app scan aH5YpPP --json); rc=$?
set -e
[ "$rc" -eq 1 ] && echo "$out" | grep -q '"verdict": *"already_checked_in"' || fail "second scan (exit $rc): $out"
out=$(timeout 60 env -i HOME="$scratch/home" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
  "$bundle/checkin-app" --data-dir "$scratch/door" --quit-when-ready 2>"$scratch/gui.err") \
  || fail "the GUI did not start and quit cleanly: $(tail -5 "$scratch/gui.err")"
[ "$out" = "door ready" ] || fail "the GUI never reached door-ready: $out"
echo "smoke test passed: help, import, scan admitted then refused, GUI door-ready offscreen and quit"
