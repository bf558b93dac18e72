using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.PostgreSqlMigrations
{
    /// <inheritdoc />
    public partial class ListIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Images_Owner_CreatedAt_Id",
                table: "Images",
                columns: new[] { "Owner", "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Images_Owner_DeletedAt_ActivatedAt_Visibility_Size",
                table: "Images",
                columns: new[] { "Owner", "DeletedAt", "ActivatedAt", "Visibility", "Size" });

            migrationBuilder.CreateIndex(
                name: "IX_Images_Owner_Name_Id",
                table: "Images",
                columns: new[] { "Owner", "Name", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Images_Owner_UpdatedAt_Id",
                table: "Images",
                columns: new[] { "Owner", "UpdatedAt", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Images_Owner_CreatedAt_Id",
                table: "Images");

            migrationBuilder.DropIndex(
                name: "IX_Images_Owner_DeletedAt_ActivatedAt_Visibility_Size",
                table: "Images");

            migrationBuilder.DropIndex(
                name: "IX_Images_Owner_Name_Id",
                table: "Images");

            migrationBuilder.DropIndex(
                name: "IX_Images_Owner_UpdatedAt_Id",
                table: "Images");
        }
    }
}
