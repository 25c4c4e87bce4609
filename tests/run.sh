#!/usr/bin/env bash
# Runs every test. Installs what the real-client tests need first: the npm packages in tests/e2e
# (adaptivecards, adaptivecards-templating, playwright-core, Agents Playground) and Debian's Chromium when running as root.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f tests/e2e/package.json ]; then
  (cd tests/e2e && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; })
fi
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: Chromium is not installed; card rendering tests need it (apt-get install chromium)." >&2
  fi
fi

dotnet test TeamsBot.sln -c Release --nologo "$@"
