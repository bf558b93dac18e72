#!/usr/bin/env bash
# Runs every test of Portal. On a fresh Debian/Ubuntu machine it first installs what the tests need:
# Debian's Chromium (browser tests; nothing downloads a browser) and qemu-utils + genisoimage (real disk images).
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v qemu-img >/dev/null 2>&1 || missing+=(qemu-utils)
command -v genisoimage >/dev/null 2>&1 || missing+=(genisoimage)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing test prerequisites: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

dotnet test Portal.sln "$@"
