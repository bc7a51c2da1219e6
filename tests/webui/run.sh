#!/usr/bin/env bash
# Browser tests of the web UI (webui.test.mjs): installs what is missing —
# Debian's chromium, node and npm, and playwright-core exactly as
# package-lock.json pins it (never a browser download) — then runs them
# against the binary given as $1 (or $DDB_LOCAL, or ./ddb-local at the repo
# root). Exits non-zero when anything fails. Screenshots go to
# $SCREENSHOT_DIR (default /tmp).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export DDB_LOCAL="${1:-${DDB_LOCAL:-$repo/ddb-local}}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

if [[ ! -x "$DDB_LOCAL" ]]; then
  echo "run.sh: no executable ddb-local at $DDB_LOCAL (build it, or pass its path)" >&2
  exit 1
fi

# Debian packages, only those missing.
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [[ ! -x "$CHROMIUM" ]] && ! dpkg -s chromium >/dev/null 2>&1; then missing+=(chromium); fi
[[ -x /usr/bin/aws ]] || missing+=(awscli)  # indexes.test.mjs checks with the AWS CLI v2
if ((${#missing[@]} > 0)); then
  sudo=""
  [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
  echo "run.sh: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# playwright-core 1.65 needs Node.js 20 or later (the machine's Node.js).
if (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
  echo "run.sh: Node.js $(node --version) is too old: playwright-core needs 20 or later" >&2
  exit 1
fi

# playwright-core from the lock file, unless the locked version is already there.
locked="$(node -p "require('$here/package-lock.json').packages['node_modules/playwright-core'].version")"
installed="$(node -p "try { require('$here/node_modules/playwright-core/package.json').version } catch { '' }")"
if [[ "$installed" != "$locked" ]]; then
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
fi

cd "$repo"
exec timeout 300 node --test "$here/"
