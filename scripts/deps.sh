#!/usr/bin/env bash
# deps.sh - installs the Debian 12 packages kizuna builds, tests and runs with.
# Idempotent and quiet when everything is present; runs `apt-get update` only
# when something is missing. Needs root (or sudo) only in that case.
# (No jansson: kizuna parses JSON itself, see docs/internals/json.md.)
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libmicrohttpd-dev libcurl4-gnutls-dev libgnutls28-dev
  libsqlite3-dev sqlite3 libpq-dev postgresql
  libsodium-dev uuid-dev libpcre2-dev libhyperscan-dev libpsl-dev publicsuffix libunistring-dev
  libidn2-dev zlib1g-dev
  libcmocka-dev
  curl openssl python3 procps
)
# Extra packages for `make bench` only.
if [ "${1:-}" = "--bench" ]; then
  PKGS+=(wrk nginx ripgrep hyperfine time)
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
