#!/usr/bin/env bash
# Installs the Debian 12 packages ddb-local needs to build and test, and only
# those that are missing: nothing is downloaded when all are present.
#   packaging/install-deps.sh          build and run
#   packaging/install-deps.sh --test   also the test clients (AWS CLI v2, boto3, pytest)
set -euo pipefail

pkgs=(build-essential cmake pkg-config libhttp-parser-dev rapidjson-dev libsqlite3-dev
      zlib1g-dev libmd-dev)
if [[ "${1:-}" == "--test" ]]; then
  pkgs+=(catch2 awscli python3-boto3 python3-pytest)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
