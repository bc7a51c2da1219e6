#!/usr/bin/env bash
# Prepares `make bench`: wrk (Debian), dynalite (npm, pinned by
# bench/package-lock.json), the bare-HTTP ceiling server build/bare_server and
# the start-up timer build/startup_probe.
# Installs or builds only what is missing or out of date.
#   bench/setup.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
if ! dpkg-query -W -f='${Status}' wrk 2>/dev/null | grep -q "install ok installed"; then
  echo "bench: installing wrk"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends wrk
fi

# npm ci from the lock file; again only when the lock changed since the last install.
if [[ ! -f bench/node_modules/.package-lock.json || bench/package-lock.json -nt bench/node_modules/.package-lock.json ]]; then
  echo "bench: npm ci --prefix bench"
  npm ci --prefix bench --no-audit --no-fund --loglevel=error
fi

mkdir -p "$build"
if [[ ! -x "$build/bare_server" || bench/bare_server.cc -nt "$build/bare_server" ]]; then
  echo "bench: building $build/bare_server"
  # shellcheck disable=SC2046
  g++ -O2 -std=c++17 bench/bare_server.cc $(pkg-config --cflags --libs cpp-httplib) -pthread -o "$build/bare_server"
fi
if [[ ! -x "$build/startup_probe" || bench/startup_probe.cc -nt "$build/startup_probe" ]]; then
  echo "bench: building $build/startup_probe"
  g++ -O2 -std=c++17 -Wall -Wextra bench/startup_probe.cc -o "$build/startup_probe"
fi
