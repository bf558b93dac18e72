#!/usr/bin/env bash
# The scaled-out portal on one machine: PostgreSQL and OpenStack Swift (s3api) from Debian's packages, each in a
# temporary folder on loopback ports, and two portal instances on them (Development: demo users, plain HTTP on
# 127.0.0.1, ports 5101 and 5102 unless --port N gives the first). Prints their URLs; Ctrl-C stops everything.
# Installs the servers' packages first when they are missing (Debian/Ubuntu).
set -euo pipefail
cd "$(dirname "$0")"

.ci/install-missing.sh $(.ci/scaled-out-packages.sh)
dotnet build Portal.sln -v q -nologo
exec dotnet run --project Portal.Tests --no-build -- scale-demo --portal "$PWD/Portal" "$@"
