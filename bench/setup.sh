#!/usr/bin/env bash
# Prepares `make bench`: wrk and libcpp-httplib-dev (Debian), dynalite (npm, pinned by
# bench/package-lock.json), the bare-HTTP ceiling server build/bare_server and
# the start-up timer build/startup_probe.
# Installs or builds only what is missing or out of date.
#   bench/setup.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
missing=()
for p in wrk libcpp-httplib-dev; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "bench: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
bash bench/fetch-httplib.sh

# npm ci from the lock file; again only when the lock changed since the last install.
if [[ ! -f bench/node_modules/.package-lock.json || bench/package-lock.json -nt bench/node_modules/.package-lock.json ]]; then
  echo "bench: npm ci --prefix bench"
  npm ci --prefix bench --no-audit --no-fund --loglevel=error
fi

mkdir -p "$build"
# The ceiling server: cpp-httplib's single header from .deps/ when
# bench/fetch-httplib.sh could fetch it, else Debian's shared library.
httplib_header=.deps/cpp-httplib/httplib.h
if [[ ! -x "$build/bare_server" || bench/bare_server.cc -nt "$build/bare_server" ||
      ( -f "$httplib_header" && "$httplib_header" -nt "$build/bare_server" ) ]]; then
  echo "bench: building $build/bare_server"
  if [[ -f "$httplib_header" ]]; then
    g++ -O2 -std=c++17 -DCPPHTTPLIB_USE_POLL -isystem .deps/cpp-httplib bench/bare_server.cc -pthread \
      -static-libstdc++ -static-libgcc -o "$build/bare_server"
  else
    # shellcheck disable=SC2046
    g++ -O2 -std=c++17 bench/bare_server.cc $(pkg-config --cflags --libs cpp-httplib) -pthread -o "$build/bare_server"
  fi
fi
if [[ ! -x "$build/startup_probe" || bench/startup_probe.cc -nt "$build/startup_probe" ]]; then
  echo "bench: building $build/startup_probe"
  g++ -O2 -std=c++17 -Wall -Wextra bench/startup_probe.cc -o "$build/startup_probe"
fi
