#!/usr/bin/env bash
# Runs every test. Installs what the real-client tests need first: the npm packages in tests/e2e
# (adaptivecards, adaptivecards-templating, playwright-core) and, when running as root, Debian's Chromium (+ an emoji font).
set -uo pipefail
cd "$(dirname "$0")/.."

if [ -f tests/e2e/package.json ]; then
  (cd tests/e2e && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; }) || exit 1
fi
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "color emoji"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null || exit 1
  else
    echo "note: Chromium is not installed; card rendering tests need it (apt-get install chromium)." >&2
  fi
fi

# PostgreSQL for the Storage:Provider=Postgres tests (root only; otherwise set TEAMSBOT_TEST_POSTGRES yourself).
if [ -z "${TEAMSBOT_TEST_POSTGRES:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } || exit 1
  fi
  cluster=$(pg_lsclusters --no-header 2>/dev/null | head -1)
  if [ -n "$cluster" ]; then
    read -r ver name _ <<<"$cluster"
    pg_ctlcluster "$ver" "$name" start 2>/dev/null || true
    su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='teamsbot_test'\"" | grep -q 1 \
      || su postgres -c "psql -qc \"CREATE ROLE teamsbot_test LOGIN PASSWORD 'teamsbot_test' CREATEDB;\""
    # Dropping a test database WITH (FORCE) may meet an autovacuum worker there: let the test role end it.
    su postgres -c "psql -qc \"GRANT pg_signal_backend TO teamsbot_test;\"" >/dev/null
    export TEAMSBOT_TEST_POSTGRES="Host=127.0.0.1;Username=teamsbot_test;Password=teamsbot_test;Database=postgres"
  fi
fi

log=$(mktemp)
dotnet test TeamsBot.sln -c Release --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# One closing line for all test assemblies together.
awk '/(Passed|Failed)! +- Failed:/ { gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
