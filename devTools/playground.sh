#!/usr/bin/env bash
# Starts TeamsBot (embedded defaults) and Microsoft 365 Agents Playground together, offline:
#   bash devTools/playground.sh        then open http://localhost:56150 and chat; Ctrl+C stops both.
# Installs the pinned Playground into .playground/ (ignored by git) when it is missing. Its logs go there too.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version=0.2.28
work="$root/.playground"
mkdir -p "$work/run"

playground="$work/npm/node_modules/.bin/agentsplayground"
if [ ! -x "$playground" ]; then
  echo "Installing Microsoft 365 Agents Playground $version into .playground/ …"
  npm install --prefix "$work/npm" --no-audit --no-fund --loglevel=error "@microsoft/m365agentsplayground@$version" >/dev/null
fi

# The Playground reads its mock tenant (the sample directory's people) from its working directory and writes its log there.
cp "$root/devTools/playground/.m365agentsplayground.yml" "$work/run/.m365agentsplayground.yml"

echo "Starting the bot on http://127.0.0.1:3978 …"
(cd "$root" && exec dotnet run --project bot/TeamsBot) > "$work/bot.log" 2>&1 &
bot=$!
trap 'kill $bot 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 120); do
  if curl -fsS http://127.0.0.1:3978/healthz >/dev/null 2>&1; then break; fi
  if ! kill -0 $bot 2>/dev/null; then echo "The bot did not start; see .playground/bot.log" >&2; exit 1; fi
  sleep 1
done

echo "Open http://localhost:56150 and chat (switch user to try a coach or an admin). Bot log: .playground/bot.log"
cd "$work/run"
"$playground" -e http://127.0.0.1:3978/api/messages -c msteams --disable-telemetry
