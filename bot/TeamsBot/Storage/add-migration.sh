#!/usr/bin/env bash
# Adds a migration for both providers after an entity change: bash bot/TeamsBot/Storage/add-migration.sh AddCampaigns
# Needs the EF tool: dotnet tool install -g dotnet-ef --version 10.0.15
set -euo pipefail
name=${1:?migration name}
cd "$(dirname "$0")/.."
export PATH="$PATH:$HOME/.dotnet/tools"
dotnet ef migrations add "$name" --context SqliteTeamsBotDbContext --output-dir Storage/Migrations/Sqlite
dotnet ef migrations add "$name" --context PostgresTeamsBotDbContext --output-dir Storage/Migrations/Postgres
