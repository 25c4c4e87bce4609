using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TeamsBot.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "answer_feedback",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    MessageId = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    ConversationId = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    RaterKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    AgencyId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    AgencyName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Reaction = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Comment = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_answer_feedback", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "answer_memory",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ConversationId = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    Role = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Text = table.Column<string>(type: "TEXT", nullable: false),
                    Tokens = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_answer_memory", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "conversations",
                columns: table => new
                {
                    ConversationId = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    ServiceUrl = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    ChannelId = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    Scope = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    BotId = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    AadObjectId = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    TeamId = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    Locale = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Installed = table.Column<bool>(type: "INTEGER", nullable: false),
                    FirstSeenAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastSeenAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UninstalledAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_conversations", x => x.ConversationId);
                });

            migrationBuilder.CreateTable(
                name: "directory_agencies",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Json = table.Column<string>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_directory_agencies", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "directory_sync",
                columns: table => new
                {
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    DeltaLink = table.Column<string>(type: "TEXT", nullable: true),
                    FullSyncCompletedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastSyncAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_directory_sync", x => x.TenantId);
                });

            migrationBuilder.CreateTable(
                name: "directory_users",
                columns: table => new
                {
                    ObjectId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    UserPrincipalName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Mail = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    CompanyName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Department = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Division = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    TimeZone = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    AgencyId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    MatchedBy = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    IsGuest = table.Column<bool>(type: "INTEGER", nullable: false),
                    IsDisabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    IsDeleted = table.Column<bool>(type: "INTEGER", nullable: false),
                    ResolvedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_directory_users", x => x.ObjectId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_answer_feedback_AgencyId_CreatedAtUtc",
                table: "answer_feedback",
                columns: new[] { "AgencyId", "CreatedAtUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_answer_feedback_MessageId_RaterKey",
                table: "answer_feedback",
                columns: new[] { "MessageId", "RaterKey" },
                unique: true,
                filter: "\"MessageId\" IS NOT NULL AND \"RaterKey\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_answer_memory_ConversationId_Id",
                table: "answer_memory",
                columns: new[] { "ConversationId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_answer_memory_CreatedAtUtc",
                table: "answer_memory",
                column: "CreatedAtUtc");

            migrationBuilder.CreateIndex(
                name: "IX_conversations_TenantId_AadObjectId_Scope",
                table: "conversations",
                columns: new[] { "TenantId", "AadObjectId", "Scope" });

            migrationBuilder.CreateIndex(
                name: "IX_directory_users_AgencyId_TenantId",
                table: "directory_users",
                columns: new[] { "AgencyId", "TenantId" });

            migrationBuilder.CreateIndex(
                name: "IX_directory_users_UserPrincipalName",
                table: "directory_users",
                column: "UserPrincipalName");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "answer_feedback");

            migrationBuilder.DropTable(
                name: "answer_memory");

            migrationBuilder.DropTable(
                name: "conversations");

            migrationBuilder.DropTable(
                name: "directory_agencies");

            migrationBuilder.DropTable(
                name: "directory_sync");

            migrationBuilder.DropTable(
                name: "directory_users");
        }
    }
}
