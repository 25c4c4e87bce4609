using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace TeamsBot.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AdoptionInsights : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "insight_events",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    kind = table.Column<short>(type: "smallint", nullable: false),
                    day = table.Column<int>(type: "integer", nullable: false),
                    agency_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    user_key = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    value = table.Column<int>(type: "integer", nullable: true),
                    subject = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: true),
                    once_key = table.Column<string>(type: "character varying(160)", maxLength: 160, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_insight_events", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "insight_week_tallies",
                columns: table => new
                {
                    week = table.Column<int>(type: "integer", nullable: false),
                    agency_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    tally = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_insight_week_tallies", x => new { x.week, x.agency_id });
                });

            migrationBuilder.CreateIndex(
                name: "IX_insight_events_once_key",
                table: "insight_events",
                column: "once_key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_insight_events_report",
                table: "insight_events",
                columns: new[] { "day", "kind", "agency_id", "user_key", "value" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "insight_events");

            migrationBuilder.DropTable(
                name: "insight_week_tallies");
        }
    }
}
