using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class ImageIntegrity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ImportRestarts",
                table: "Images",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Integrity",
                table: "Images",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "unchecked");

            migrationBuilder.AddColumn<DateTime>(
                name: "IntegrityCheckedAt",
                table: "Images",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ImportRestarts",
                table: "Images");

            migrationBuilder.DropColumn(
                name: "Integrity",
                table: "Images");

            migrationBuilder.DropColumn(
                name: "IntegrityCheckedAt",
                table: "Images");
        }
    }
}
