#!/usr/bin/env bash
# Runs every test of Portal. On a fresh Debian/Ubuntu machine it first installs what the tests need:
# Debian's Chromium (browser tests; nothing downloads a browser), qemu-utils + genisoimage (real disk images) and
# Debian's OpenStack clients, python3-openstackclient + python3-glanceclient (the tests drive them against the portal),
# gzip, xz-utils, zstd, bzip2 (compressed images made by the real tools), OpenStack Swift with memcached
# (the S3 image store's tests start one on loopback), and Debian's PostgreSQL 15
# (postgresql: the tests start their own server from /usr/lib/postgresql/15/bin in a temporary folder).
#
# Without arguments it runs every test on SQLite, then the data and service tests a second time against PostgreSQL:
# the Integration category without the SQLite-only tests and without the bUnit component tests (Portal.Tests.Components).
# With arguments it runs `dotnet test` once with them, on the database PORTAL_TEST_DATABASE names (sqlite, the
# default, or postgresql).
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v qemu-img >/dev/null 2>&1 || missing+=(qemu-utils)
command -v genisoimage >/dev/null 2>&1 || missing+=(genisoimage)
command -v openstack >/dev/null 2>&1 || missing+=(python3-openstackclient)
command -v glance >/dev/null 2>&1 || missing+=(python3-glanceclient)
# The compressed-upload tests make their files with the real tools.
command -v gzip >/dev/null 2>&1 || missing+=(gzip)
command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
command -v zstd >/dev/null 2>&1 || missing+=(zstd)
command -v bzip2 >/dev/null 2>&1 || missing+=(bzip2)
command -v /usr/lib/postgresql/15/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# The S3 image store's tests run against a real OpenStack Swift (s3api) with memcached, started by the tests.
command -v swift-proxy-server >/dev/null 2>&1 || missing+=(swift-proxy)
command -v swift-object-server >/dev/null 2>&1 || missing+=(swift-object)
command -v swift-container-server >/dev/null 2>&1 || missing+=(swift-container)
command -v swift-account-server >/dev/null 2>&1 || missing+=(swift-account)
command -v swift-ring-builder >/dev/null 2>&1 || missing+=(swift)
command -v memcached >/dev/null 2>&1 || missing+=(memcached)
command -v swift >/dev/null 2>&1 || missing+=(python3-swiftclient)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing test prerequisites: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ "$#" -gt 0 ]; then
  exec dotnet test Portal.sln "$@"
fi

status=0
PORTAL_TEST_DATABASE="${PORTAL_TEST_DATABASE:-sqlite}" dotnet test Portal.sln || status=$?
echo "The data and service tests again, against PostgreSQL:"
PORTAL_TEST_DATABASE=postgresql dotnet test Portal.sln --no-build \
  --filter "Category=Integration&Database!=SqliteOnly&FullyQualifiedName!~Portal.Tests.Components." || status=$?
exit "$status"
