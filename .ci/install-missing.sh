#!/usr/bin/env bash
# Installs the Debian packages of the programs that are missing. Each argument is PROGRAM=PACKAGE, PROGRAM a command
# name or an absolute path: ".ci/install-missing.sh qemu-img=qemu-utils /usr/bin/chromium=chromium".
set -euo pipefail

missing=()
for pair in "$@"; do
  program="${pair%%=*}"
  package="${pair#*=}"
  if [[ "$program" == /* ]]; then
    [ -x "$program" ] && continue
  else
    command -v "$program" >/dev/null 2>&1 && continue
  fi
  [[ " ${missing[*]-} " == *" $package "* ]] || missing+=("$package")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing prerequisites: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
