using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace TeamsBot.Storage.Migrations.Postgres
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
                    id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    title = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    body = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    image_url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    image_alt = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    links = table.Column<string>(type: "text", nullable: true),
                    acknowledge = table.Column<bool>(type: "boolean", nullable: false),
                    audience = table.Column<string>(type: "text", nullable: false),
                    audience_description = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    send_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    status = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    author_object_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    author_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    author_tenant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    approved_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    approved_by_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    estimated_recipients = table.Column<int>(type: "integer", nullable: false),
                    recipients = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    recall_requested_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    recall_completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    status_card_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    prepared_by = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    prepare_lease_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    status_service_url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    status_conversation_id = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    status_activity_id = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    status_locale = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_broadcast_campaigns", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "broadcast_deliveries",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    campaign_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    object_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    tenant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    upn = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    agency_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    state = table.Column<short>(type: "smallint", nullable: false),
                    attempts = table.Column<short>(type: "smallint", nullable: false),
                    claimed_by = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    claimed_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    service_url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    conversation_id = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    activity_id = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    message_number = table.Column<long>(type: "bigint", nullable: true),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    read_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    acknowledged_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    recalled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    error = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true)
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
