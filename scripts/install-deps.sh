#!/usr/bin/env bash
# Installs what this project needs from Debian's packages, and only what is missing:
# the C client libraries it links (libpq, hiredis), the servers its tests and demo run
# locally (PostgreSQL, Redis), perl (clears blocked signals for those servers), and
# python3 (the independent Twilio-compatible stub server one test runs, and the
# check of deploy/ with PyYAML).
# Runs apt-get directly as root, through sudo otherwise.
set -euo pipefail

missing=()
need() { dpkg -s "$1" >/dev/null 2>&1 || missing+=("$1"); }
need libpq-dev
need libhiredis-dev
need postgresql
need redis-server
need perl-base
need pkg-config
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# PyYAML for scripts/check-manifests.py (the deploy/ files checked against the binary).
python3 -c 'import yaml' >/dev/null 2>&1 || need python3-yaml

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "error: the Swift toolchain (6.0 or newer) is not on PATH." >&2
  echo "       Install it from swift.org (Debian 12 builds) and run this again." >&2
  exit 1
fi

# initdb/postgres refuse to run as root: the tests and the demo start them as this user.
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  echo "error: no 'postgres' user; it is created by the postgresql package — reinstall it." >&2
  exit 1
fi
