#!/usr/bin/env bash
# Authenticated /api/messages throughput of an earlier commit and of this tree, in one run, alternating A B A B…
# Prints each round and the medians; the ratio this/earlier must stay at or above 0.9.
# Usage: bash bench/compare-messages.sh <earlier-ref> [rounds=5] [requests=30000]
set -euo pipefail
base=${1:?earlier commit, e.g. origin/main}
rounds=${2:-5}
requests=${3:-30000}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
git -C "$root" worktree add --detach "$work/base" "$base" >/dev/null 2>&1
trap 'git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1; rm -rf "$work"' EXIT

dotnet build -c Release --nologo -v q "$work/base/bench/TeamsBot.Bench/TeamsBot.Bench.csproj" >/dev/null
dotnet build -c Release --nologo -v q "$root/bench/TeamsBot.Bench/TeamsBot.Bench.csproj" >/dev/null
earlier="$work/base/bench/TeamsBot.Bench/bin/Release/net10.0/TeamsBot.Bench.dll"
this="$root/bench/TeamsBot.Bench/bin/Release/net10.0/TeamsBot.Bench.dll"

run() { dotnet "$1" "$requests" 32 | awk '/^throughput:/ {print $2}'; }
: > "$work/results"
for i in $(seq "$rounds"); do
  a=$(run "$earlier"); b=$(run "$this")
  echo "round $i: earlier $a/s, this $b/s"
  echo "$a $b" >> "$work/results"
done
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2)}'; }
a=$(awk '{print $1}' "$work/results" | median)
b=$(awk '{print $2}' "$work/results" | median)
ratios=$(awk '{printf "%.3f\n", $2/$1}' "$work/results" | median)
echo "median: earlier $a/s, this $b/s; median of per-round ratios this/earlier = $ratios"
