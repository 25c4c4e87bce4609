using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace TeamsBot.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddNudges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "nudge_deliveries",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    object_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    tenant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    agency_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    program_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    item_id = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    campaign_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    planned_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_nudge_deliveries", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "nudge_preferences",
                columns: table => new
                {
                    object_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    tenant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    stopped_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    snoozed_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    features = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_nudge_preferences", x => x.object_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_nudge_deliveries_campaign_id",
                table: "nudge_deliveries",
                column: "campaign_id");

            migrationBuilder.CreateIndex(
                name: "IX_nudge_deliveries_object_id_kind_program_id_item_id",
                table: "nudge_deliveries",
                columns: new[] { "object_id", "kind", "program_id", "item_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_nudge_deliveries_program_id_item_id_agency_id",
                table: "nudge_deliveries",
                columns: new[] { "program_id", "item_id", "agency_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "nudge_deliveries");

            migrationBuilder.DropTable(
                name: "nudge_preferences");
        }
    }
}
