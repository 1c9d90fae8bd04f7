#!/usr/bin/env bash
# The README's promise for the Linux build, checked literally: a minimal Debian root with no Python
# and only the system libraries the README lists (offscreen set), the tarball unpacked in it, and a
# new user's first steps: the demo (in the terminal: no display there), a scan of a demo ticket,
# and the window reaching door-ready offscreen. Needs root (debootstrap, chroot) and Debian's
# package mirror; CI has both.
# Usage: packaging/clean-root-test.sh [dist/checkin-app-*.tar.xz]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tarball=${1:-$(ls "$here"/dist/checkin-app-*-linux-*.tar.xz | head -n 1)}
[ "$(id -u)" -eq 0 ] || { echo "clean-root-test: needs root (debootstrap and chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
# DEBIAN_MIRROR overrides the machine's own mirror (which on an Ubuntu host has no bookworm).
mirror=${DEBIAN_MIRROR:-}
[ -n "$mirror" ] || mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
  | grep -v security | head -n 1 | awk '{print $2}' || true)
root=$(mktemp -d)
cleanup() { umount "$root/proc" "$root/dev" 2>/dev/null || true; rm -rf "$root"; }
trap cleanup EXIT
# The README's offscreen runtime set, nothing else (no python3 in a minbase root).
debootstrap --variant=minbase --include=libzbar0,libglib2.0-0,libgl1,libegl1,libfontconfig1,libxkbcommon0,libdbus-1-3 \
  bookworm "$root" "${mirror:-http://deb.debian.org/debian}" >/dev/null
mkdir -p "$root/opt"
tar -xJf "$tarball" -C "$root/opt"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 "$@"; }
fail() { echo "clean-root test FAILED: $*" >&2; exit 1; }

in_root /bin/sh -c 'command -v python3' >/dev/null && fail "the root has a python3; it must not"
out=$(in_root /opt/checkin-app/checkin-app --data-dir /root/demo demo 2>&1) || fail "demo: $out"
echo "$out" | grep -q "ADMITTED" && echo "$out" | grep -q "VOID" || fail "demo verdicts: $out"
in_root /opt/checkin-app/checkin-app --data-dir /root/door import /opt/checkin-app/_internal/resources/demo/tickettailor-orders.json >/dev/null \
  || fail "import of the demo payload"
in_root /opt/checkin-app/checkin-app --data-dir /root/door scan aH5YpPP | grep -q "ADMITTED" || fail "scan"
ready=$(in_root /usr/bin/env QT_QPA_PLATFORM=offscreen /opt/checkin-app/checkin-app --data-dir /root/door --quit-when-ready 2>/dev/null) \
  || fail "the window did not start"
[ "$ready" = "door ready" ] || fail "the window never reached door-ready"
echo "clean-root test passed: a minimal Debian with only the README's libraries runs the demo, scans, opens the window"
