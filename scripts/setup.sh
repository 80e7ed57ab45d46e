#!/usr/bin/env bash
# Installs everything cairn needs to build and test, from Debian's packages.
# Safe to run again: it installs only what is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkgs=(build-essential cmake pkg-config git
      liblmdb-dev libmicrohttpd-dev libcurl4-openssl-dev libinih-dev libcjson-dev
      libssl-dev zlib1g-dev python3 curl ca-certificates)
if [ -f "$here/packages.txt" ]; then
  while read -r p; do
    p=${p%%#*}; p=$(echo "$p" | xargs)
    [ -n "$p" ] && pkgs+=("$p")
  done < "$here/packages.txt"
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm: Debian ships it apart from nodejs; NodeSource's nodejs has it (and conflicts with it).
if ! command -v npm >/dev/null 2>&1 &&
   ! dpkg-query -W -f='${Version}' nodejs 2>/dev/null | grep -q nodesource; then
  missing+=(npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
