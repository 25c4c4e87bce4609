using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TeamsBot.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DirectoryExactness : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "LastFullSyncId",
                table: "directory_users",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "directory_audience_members",
                columns: table => new
                {
                    RunId = table.Column<Guid>(type: "uuid", nullable: false),
                    ObjectId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    StagedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_directory_audience_members", x => new { x.RunId, x.ObjectId });
                });

            migrationBuilder.CreateIndex(
                name: "IX_directory_users_TenantId",
                table: "directory_users",
                column: "TenantId");

            migrationBuilder.CreateIndex(
                name: "IX_directory_audience_members_StagedAt",
                table: "directory_audience_members",
                column: "StagedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "directory_audience_members");

            migrationBuilder.DropIndex(
                name: "IX_directory_users_TenantId",
                table: "directory_users");

            migrationBuilder.DropColumn(
                name: "LastFullSyncId",
                table: "directory_users");
        }
    }
}
