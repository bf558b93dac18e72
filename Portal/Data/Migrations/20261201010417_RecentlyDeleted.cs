using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class RecentlyDeleted : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "RestorableUntil",
                table: "Images",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "StatusBeforeDelete",
                table: "Images",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Images_Status_RestorableUntil",
                table: "Images",
                columns: new[] { "Status", "RestorableUntil" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Images_Status_RestorableUntil",
                table: "Images");

            migrationBuilder.DropColumn(
                name: "RestorableUntil",
                table: "Images");

            migrationBuilder.DropColumn(
                name: "StatusBeforeDelete",
                table: "Images");
        }
    }
}
