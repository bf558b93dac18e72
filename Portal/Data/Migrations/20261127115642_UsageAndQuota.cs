using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class UsageAndQuota : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "ActivatedAt",
                table: "Images",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "StorageQuotaBytes",
                table: "Accounts",
                type: "INTEGER",
                nullable: true);

            // Images stored before this column existed: count their storage from their creation.
            migrationBuilder.Sql("UPDATE Images SET ActivatedAt = CreatedAt WHERE Size IS NOT NULL AND ActivatedAt IS NULL;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ActivatedAt",
                table: "Images");

            migrationBuilder.DropColumn(
                name: "StorageQuotaBytes",
                table: "Accounts");
        }
    }
}
