using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace TeamsBot.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PlatformSeams : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "answer_fair_use",
                columns: table => new
                {
                    user_key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    window_index = table.Column<long>(type: "bigint", nullable: false),
                    current_count = table.Column<int>(type: "integer", nullable: false),
                    previous_count = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_answer_fair_use", x => x.user_key);
                });

            migrationBuilder.CreateTable(
                name: "connector_tenant_budget",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    window_index = table.Column<long>(type: "bigint", nullable: false),
                    granted = table.Column<int>(type: "integer", nullable: false),
                    last_grant = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_connector_tenant_budget", x => x.tenant_id);
                });

            migrationBuilder.CreateTable(
                name: "connector_tenant_throttle",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    rate_after_decrease = table.Column<double>(type: "double precision", nullable: false),
                    decreased_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    blocked_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_connector_tenant_throttle", x => x.tenant_id);
                });

            migrationBuilder.CreateTable(
                name: "job_runs",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Job = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    FireInstanceId = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Instance = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    ScheduledAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    FinishedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Succeeded = table.Column<bool>(type: "boolean", nullable: false),
                    Error = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Recovered = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_job_runs", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "model_circuit",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    open_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_model_circuit", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "processed_activities",
                columns: table => new
                {
                    key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_processed_activities", x => x.key);
                });

            migrationBuilder.CreateIndex(
                name: "IX_answer_fair_use_window_index",
                table: "answer_fair_use",
                column: "window_index");

            migrationBuilder.CreateIndex(
                name: "IX_job_runs_FinishedAt",
                table: "job_runs",
                column: "FinishedAt");

            migrationBuilder.CreateIndex(
                name: "IX_job_runs_FireInstanceId",
                table: "job_runs",
                column: "FireInstanceId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_job_runs_Job_ScheduledAt",
                table: "job_runs",
                columns: new[] { "Job", "ScheduledAt" });

            migrationBuilder.CreateIndex(
                name: "IX_processed_activities_seen_at",
                table: "processed_activities",
                column: "seen_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "answer_fair_use");

            migrationBuilder.DropTable(
                name: "connector_tenant_budget");

            migrationBuilder.DropTable(
                name: "connector_tenant_throttle");

            migrationBuilder.DropTable(
                name: "job_runs");

            migrationBuilder.DropTable(
                name: "model_circuit");

            migrationBuilder.DropTable(
                name: "processed_activities");
        }
    }
}
