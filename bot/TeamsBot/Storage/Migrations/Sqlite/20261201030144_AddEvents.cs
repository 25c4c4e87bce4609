using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TeamsBot.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "reference",
                table: "broadcast_campaigns",
                type: "TEXT",
                maxLength: 100,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "events",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    starts_at = table.Column<long>(type: "INTEGER", nullable: false),
                    ends_at = table.Column<long>(type: "INTEGER", nullable: false),
                    time_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    location = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    join_url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    capacity = table.Column<int>(type: "INTEGER", nullable: false),
                    registration_deadline = table.Column<long>(type: "INTEGER", nullable: true),
                    host_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    campaign_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    organizer_object_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    organizer_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    calendar_token = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    version = table.Column<long>(type: "INTEGER", nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_events", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "event_registrations",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    event_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    object_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    state = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    requested_at = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false),
                    promoted_at = table.Column<long>(type: "INTEGER", nullable: true),
                    promotion_notice_at = table.Column<long>(type: "INTEGER", nullable: true),
                    first_reminder_at = table.Column<long>(type: "INTEGER", nullable: true),
                    second_reminder_at = table.Column<long>(type: "INTEGER", nullable: true),
                    attended = table.Column<bool>(type: "INTEGER", nullable: true),
                    locale = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_event_registrations", x => x.id);
                    table.ForeignKey(
                        name: "FK_event_registrations_events_event_id",
                        column: x => x.event_id,
                        principalTable: "events",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_event_registrations_event_id_object_id",
                table: "event_registrations",
                columns: new[] { "event_id", "object_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_event_registrations_event_id_state_requested_at",
                table: "event_registrations",
                columns: new[] { "event_id", "state", "requested_at" });

            migrationBuilder.CreateIndex(
                name: "IX_events_starts_at",
                table: "events",
                column: "starts_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "event_registrations");

            migrationBuilder.DropTable(
                name: "events");

            migrationBuilder.DropColumn(
                name: "reference",
                table: "broadcast_campaigns");
        }
    }
}
