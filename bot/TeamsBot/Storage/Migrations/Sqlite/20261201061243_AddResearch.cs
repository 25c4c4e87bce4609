using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TeamsBot.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddResearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "research_jobs",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    object_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    agency_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    service_url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    conversation_id = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    locale = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    question = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    milestone = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    sources_read = table.Column<int>(type: "INTEGER", nullable: false),
                    state = table.Column<string>(type: "TEXT", nullable: true),
                    report = table.Column<string>(type: "TEXT", nullable: true),
                    ack_activity_id = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    window_end = table.Column<long>(type: "INTEGER", nullable: true),
                    consent = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    started_at = table.Column<long>(type: "INTEGER", nullable: true),
                    finished_at = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_research_jobs", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_research_jobs_agency_id_status",
                table: "research_jobs",
                columns: new[] { "agency_id", "status" });

            migrationBuilder.CreateIndex(
                name: "IX_research_jobs_finished_at",
                table: "research_jobs",
                column: "finished_at");

            migrationBuilder.CreateIndex(
                name: "ix_research_jobs_live_person",
                table: "research_jobs",
                column: "object_id",
                unique: true,
                filter: "status IN ('queued', 'running')");

            migrationBuilder.CreateIndex(
                name: "IX_research_jobs_object_id_created_at",
                table: "research_jobs",
                columns: new[] { "object_id", "created_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "research_jobs");
        }
    }
}
