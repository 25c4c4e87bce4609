using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TeamsBot.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Broadcasts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "broadcast_campaigns",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    body = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    image_url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    image_alt = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    links = table.Column<string>(type: "TEXT", nullable: true),
                    acknowledge = table.Column<bool>(type: "INTEGER", nullable: false),
                    audience = table.Column<string>(type: "TEXT", nullable: false),
                    audience_description = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    send_at = table.Column<long>(type: "INTEGER", nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    author_object_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    author_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    author_tenant_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    approved_by = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    approved_by_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    estimated_recipients = table.Column<int>(type: "INTEGER", nullable: false),
                    recipients = table.Column<int>(type: "INTEGER", nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false),
                    started_at = table.Column<long>(type: "INTEGER", nullable: true),
                    completed_at = table.Column<long>(type: "INTEGER", nullable: true),
                    recall_requested_at = table.Column<long>(type: "INTEGER", nullable: true),
                    recall_completed_at = table.Column<long>(type: "INTEGER", nullable: true),
                    status_card_at = table.Column<long>(type: "INTEGER", nullable: true),
                    prepared_by = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    prepare_lease_until = table.Column<long>(type: "INTEGER", nullable: true),
                    status_service_url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    status_conversation_id = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    status_activity_id = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    status_locale = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_broadcast_campaigns", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "broadcast_deliveries",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    campaign_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    object_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    upn = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    agency_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    state = table.Column<short>(type: "INTEGER", nullable: false),
                    attempts = table.Column<short>(type: "INTEGER", nullable: false),
                    claimed_by = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    claimed_until = table.Column<long>(type: "INTEGER", nullable: true),
                    service_url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    conversation_id = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    activity_id = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    message_number = table.Column<long>(type: "INTEGER", nullable: true),
                    sent_at = table.Column<long>(type: "INTEGER", nullable: true),
                    read_at = table.Column<long>(type: "INTEGER", nullable: true),
                    acknowledged_at = table.Column<long>(type: "INTEGER", nullable: true),
                    recalled_at = table.Column<long>(type: "INTEGER", nullable: true),
                    error = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_broadcast_deliveries", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_broadcast_campaigns_created_at",
                table: "broadcast_campaigns",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "IX_broadcast_campaigns_status",
                table: "broadcast_campaigns",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "IX_broadcast_deliveries_campaign_id_object_id",
                table: "broadcast_deliveries",
                columns: new[] { "campaign_id", "object_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_broadcast_deliveries_campaign_id_tenant_id_state_id",
                table: "broadcast_deliveries",
                columns: new[] { "campaign_id", "tenant_id", "state", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_broadcast_deliveries_conversation_id",
                table: "broadcast_deliveries",
                column: "conversation_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "broadcast_campaigns");

            migrationBuilder.DropTable(
                name: "broadcast_deliveries");
        }
    }
}
