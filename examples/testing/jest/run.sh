#!/usr/bin/env bash
# Runs the Jest example of docs/testing.md against the binary given as $1 (or
# $DDB_LOCAL, or ./ddb-local at the repo root): installs Jest and the SDK
# exactly as package-lock.json pins them (npm ci, only when what is installed
# differs), then `jest --runInBand`. Exits non-zero when anything fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
export DDB_LOCAL="${1:-${DDB_LOCAL:-$repo/ddb-local}}"
kTimeoutS=300

if [[ ! -x "$DDB_LOCAL" ]]; then
  echo "jest/run.sh: no executable ddb-local at $DDB_LOCAL (build it, or pass its path)" >&2
  exit 1
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "jest/run.sh: needs Node.js 20 or later and npm (tests/js/run.sh installs Debian's)" >&2
  exit 1
fi

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

cd "$here"
exec timeout --kill-after=10 "$kTimeoutS" node node_modules/jest/bin/jest.js --runInBand --ci
