#!/usr/bin/env bash
# Puts cpp-httplib's single header in .deps/cpp-httplib/, from Debian's source
# package of the same version as the installed libcpp-httplib-dev (with
# Debian's patches applied), for the benchmark's bare-HTTP ceiling server
# (bench/bare_server.cc): compiled in, without TLS or brotli, it starts
# without mapping libssl, libcrypto and three brotli libraries and without
# OpenSSL's set-up. ddb-local itself does not use cpp-httplib (src/http_wire.h).
#
# apt fetches and verifies the source package with a private configuration
# under .deps/apt (the machine's own apt sources are not changed). Nothing is
# fetched when the header of the installed version is already there. If the
# fetch fails, bench/setup.sh builds against the shared library: this script then
# says so and still exits 0.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.deps/cpp-httplib"
version=$(dpkg-query -W -f='${Version}' libcpp-httplib-dev 2>/dev/null || true)
if [[ -z "$version" ]]; then
  echo "fetch-httplib: libcpp-httplib-dev is not installed" >&2
  exit 1
fi
if [[ -f "$out/httplib.h" && "$(cat "$out/VERSION" 2>/dev/null)" == "$version" ]]; then
  exit 0
fi

apt_dir="$root/.deps/apt"
rm -rf "$apt_dir" "$out"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts" "$apt_dir/src"
cat >"$apt_dir/sources.list" <<'EOF'
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian bookworm-updates main
deb-src http://deb.debian.org/debian-security bookworm-security main
EOF
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/parts"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
          -o "APT::Sandbox::User=root" -qq)
fallback() {
  echo "fetch-httplib: $1; the bare server links Debian's shared libcpp-httplib instead" >&2
  rm -rf "$apt_dir" "$out"
  exit 0
}
echo "fetch-httplib: fetching Debian's source of cpp-httplib $version"
apt-get "${apt_opts[@]}" update >/dev/null 2>&1 || fallback "apt-get update of the source lists failed"
(cd "$apt_dir/src" && apt-get "${apt_opts[@]}" source "cpp-httplib=$version" >/dev/null 2>&1) ||
  fallback "apt-get source cpp-httplib=$version failed"
header=$(find "$apt_dir/src" -mindepth 2 -maxdepth 2 -name httplib.h | head -n 1)
# The whole library, not Debian's split header that declares only.
if [[ -z "$header" ]] || ! grep -q "inline bool Server::listen" "$header"; then
  fallback "the source package holds no single-header httplib.h"
fi
mkdir -p "$out"
cp "$header" "$out/httplib.h"
cp "$(dirname "$header")/LICENSE" "$out/LICENSE" 2>/dev/null || true
echo "$version" >"$out/VERSION"
rm -rf "$apt_dir"
echo "fetch-httplib: $out/httplib.h"
