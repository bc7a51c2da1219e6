#!/usr/bin/env bash
# Integration tests with the AWS SDK for JavaScript v3 (*.test.mjs, sharing harness.mjs):
# installs what is missing — Debian's node and npm, and the SDK exactly as
# package-lock.json pins it — then runs them against the binary given as $1
# (or $DDB_LOCAL, or ./ddb-local at the repo root). Exits non-zero when
# anything fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export DDB_LOCAL="${1:-${DDB_LOCAL:-$repo/ddb-local}}"
kNodeMajorMin=20     # @aws-sdk/client-dynamodb 3.1162 declares engines.node >= 20
kTimeoutS=300        # the whole node --test run

if [[ ! -x "$DDB_LOCAL" ]]; then
  echo "js/run.sh: no executable ddb-local at $DDB_LOCAL (build it, or pass its path)" >&2
  exit 1
fi

# Debian's node and npm, only when missing.
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]} > 0)); then
  sudo=""
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || {
      echo "js/run.sh: ${missing[*]} missing, and neither root nor sudo to install them" >&2
      exit 1
    }
    sudo="sudo"
  fi
  echo "js/run.sh: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if (( major < kNodeMajorMin )); then
  echo "js/run.sh: Node.js $(node --version 2>/dev/null || echo '(none)') is too old: the AWS SDK v3 pinned in" \
       "package-lock.json needs Node.js $kNodeMajorMin or later" >&2
  exit 1
fi

# The SDK from the lock file, unless the locked versions are already installed.
installed_matches_lock() {
  node -e '
    const lock = require(process.argv[1] + "/package-lock.json");
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (!path.startsWith("node_modules/")) continue;
      let got;
      try { got = require(process.argv[1] + "/" + path + "/package.json").version; } catch { process.exit(1); }
      if (got !== entry.version) process.exit(1);
    }' "$here"
}
if ! installed_matches_lock; then
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
fi

# The test files by name: how a directory argument is searched differs between
# Node.js versions, and node_modules/ must never be searched.
shopt -s nullglob
tests=("$here"/*.test.mjs)
if ((${#tests[@]} == 0)); then
  echo "js/run.sh: no *.test.mjs in $here" >&2
  exit 1
fi
cd "$repo"
exec timeout --kill-after=10 "$kTimeoutS" node --test "${tests[@]}"
