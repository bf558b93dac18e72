#!/usr/bin/env bash
# Runs the benchmark program (README, "Upload benchmark"). On a Debian/Ubuntu machine it first installs what its legs
# need: curl, socat (download reference), zstd (decompressing leg), Debian's Chromium (browser legs; nothing downloads a
# browser), Debian's OpenStack Glance, glance-api (the peer the portal is measured against), and the Swift servers and
# client the object store leg starts and compares with (.ci/scaled-out-packages.sh). Arguments go to the
# program, e.g. ./benchmark.sh --only glance --rounds 2
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v socat >/dev/null 2>&1 || missing+=(socat)
command -v zstd >/dev/null 2>&1 || missing+=(zstd)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/glance-api ] || missing+=(glance-api)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing benchmark prerequisites: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi

./.ci/install-missing.sh $(.ci/scaled-out-packages.sh)
exec dotnet run --project Portal.Tests -c Release -- upload-benchmark "$@"
