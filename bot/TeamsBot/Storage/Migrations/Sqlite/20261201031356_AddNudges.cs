using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TeamsBot.Storage.Migrations.Sqlite
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
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    object_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    agency_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    program_id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    item_id = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    campaign_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    planned_at = table.Column<long>(type: "INTEGER", nullable: false),
                    completed_at = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_nudge_deliveries", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "nudge_preferences",
                columns: table => new
                {
                    object_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    stopped_at = table.Column<long>(type: "INTEGER", nullable: true),
                    snoozed_until = table.Column<long>(type: "INTEGER", nullable: true),
                    features = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false)
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
