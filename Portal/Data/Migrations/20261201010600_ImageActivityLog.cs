using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class ImageActivityLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ImageActivities",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ImageId = table.Column<Guid>(type: "TEXT", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    ActorUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    ActorIsOperator = table.Column<bool>(type: "INTEGER", nullable: false),
                    Detail = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ImageActivities", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ImageActivities_Images_ImageId",
                        column: x => x.ImageId,
                        principalTable: "Images",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ImageActivities_ImageId_At",
                table: "ImageActivities",
                columns: new[] { "ImageId", "At" });

            // The log is append-only below the application too: a hand-written UPDATE or DELETE is refused.
            migrationBuilder.Sql(
                "CREATE TRIGGER ImageActivities_NoUpdate BEFORE UPDATE ON ImageActivities "
                + "BEGIN SELECT RAISE(ABORT, 'Image activity is never changed.'); END;");
            migrationBuilder.Sql(
                "CREATE TRIGGER ImageActivities_NoDelete BEFORE DELETE ON ImageActivities "
                + "BEGIN SELECT RAISE(ABORT, 'Image activity is never removed.'); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS ImageActivities_NoDelete;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS ImageActivities_NoUpdate;");
            migrationBuilder.DropTable(
                name: "ImageActivities");
        }
    }
}
