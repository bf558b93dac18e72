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

# Real servers the tests start on loopback: PostgreSQL, and OpenStack Swift (s3api) with memcached for the S3 image store.
.ci/install-missing.sh \
  /usr/bin/chromium=chromium qemu-img=qemu-utils genisoimage=genisoimage \
  openstack=python3-openstackclient glance=python3-glanceclient \
  gzip=gzip xz=xz-utils zstd=zstd bzip2=bzip2 \
  $(.ci/scaled-out-packages.sh)

if [ "$#" -gt 0 ]; then
  exec dotnet test Portal.sln "$@"
fi

status=0
PORTAL_TEST_DATABASE="${PORTAL_TEST_DATABASE:-sqlite}" dotnet test Portal.sln || status=$?
echo "The data and service tests again, against PostgreSQL:"
PORTAL_TEST_DATABASE=postgresql dotnet test Portal.sln --no-build \
  --filter "Category=Integration&Database!=SqliteOnly&FullyQualifiedName!~Portal.Tests.Components." || status=$?
exit "$status"
