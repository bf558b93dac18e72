using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Images.Sharing;
using Portal.Rules;

namespace Portal.Images.Api;

/// <summary>
/// The Image API's members (Glance's <c>images-sharing-v2</c>): <c>GET/POST /v2/images/{id}/members</c> and
/// <c>GET/PUT/DELETE /v2/images/{id}/members/{member}</c>. The member is an account id, which is the project id of the
/// account's tokens. Everything is decided by <see cref="ImageSharingService"/> and the one policy behind it.
/// </summary>
public static class ImageMemberEndpoints
{
    public const string MemberSchemaPath = "/v2/schemas/member";
    public const string MembersSchemaPath = "/v2/schemas/members";

    /// <summary>Glance's words for a member call on an image that is not shared (403).</summary>
    public const string OnlySharedImagesHaveMembers = "Only shared images have members.";

    public static RouteGroupBuilder MapImageMemberEndpoints(this RouteGroupBuilder v2)
    {
        v2.MapGet("/images/{id}/members", ListAsync);
        v2.MapPost("/images/{id}/members", AddAsync);
        v2.MapGet("/images/{id}/members/{member}", ShowAsync);
        v2.MapPut("/images/{id}/members/{member}", UpdateAsync);
        v2.MapDelete("/images/{id}/members/{member}", RemoveAsync);
        v2.MapGet("/schemas/member", () => Results.Json(MemberSchema()));
        v2.MapGet("/schemas/members", () => Results.Json(MembersSchema()));
        return v2;
    }

    public static JsonObject Of(ImageMemberView member) => new()
    {
        ["created_at"] = ImageJson.Timestamp(member.CreatedAt),
        ["image_id"] = member.ImageId.ToString("D"),
        ["member_id"] = member.AccountId.ToString("D"),
        ["schema"] = MemberSchemaPath,
        ["status"] = member.Status.ToApiName(),
        ["updated_at"] = ImageJson.Timestamp(member.UpdatedAt),
    };

    private static async Task<JsonHttpResult<JsonObject>> ListAsync(string id, HttpContext context, ImageService images, ImageSharingService sharing)
    {
        var caller = ImageApiEndpoints.CallerOf(context);
        var image = await SharedImageAsync(caller, id, images, context);
        var members = await sharing.MembersSeenByAsync(caller, image, context.RequestAborted);
        return TypedResults.Json(new JsonObject
        {
            ["members"] = new JsonArray([.. members.Select(m => (JsonNode)Of(m))]),
            ["schema"] = MembersSchemaPath,
        });
    }

    private static async Task<JsonHttpResult<JsonObject>> AddAsync(string id, HttpContext context, ImageService images, ImageSharingService sharing)
    {
        var caller = ImageApiEndpoints.CallerOf(context);
        var image = await images.GetAsync(caller, ImageApiEndpoints.IdOf(id), context.RequestAborted);
        var member = StringField(await BodyObjectAsync(context), "member",
            "Member to be added not specified.", "Expected a member in the form: {\"member\": \"<account id>\"}.");
        if (string.IsNullOrWhiteSpace(member))
        {
            throw new RefusedException(RefusalCode.Invalid, "Member can't be empty.");
        }

        if (!Guid.TryParse(member, out var accountId))
        {
            throw new RefusedException(RefusalCode.Invalid,
                $"The member '{member}' is not an account id: give the id of the account (the project id of its tokens).");
        }

        var added = await sharing.AddMemberAsync(caller, image.Id, accountId, context.RequestAborted);
        return TypedResults.Json(Of(added));
    }

    private static async Task<JsonHttpResult<JsonObject>> ShowAsync(
        string id, string member, HttpContext context, ImageService images, ImageSharingService sharing)
    {
        var caller = ImageApiEndpoints.CallerOf(context);
        var image = await SharedImageAsync(caller, id, images, context);
        return TypedResults.Json(Of(await sharing.GetMemberAsync(caller, image.Id, MemberOf(member), context.RequestAborted)));
    }

    private static async Task<JsonHttpResult<JsonObject>> UpdateAsync(
        string id, string member, HttpContext context, ImageService images, ImageSharingService sharing)
    {
        var caller = ImageApiEndpoints.CallerOf(context);
        var image = await SharedImageAsync(caller, id, images, context);
        var text = StringField(await BodyObjectAsync(context), "status",
            "Status not specified.", "Expected a status in the form: {\"status\": \"accepted\"}.");
        var status = MemberStatusNames.ParseApiName(text)
            ?? throw new RefusedException(RefusalCode.Invalid, $"Invalid status '{text}': use pending, accepted or rejected.");
        var answered = await sharing.SetMemberStatusAsync(caller, image.Id, MemberOf(member), status, context.RequestAborted);
        return TypedResults.Json(Of(answered));
    }

    private static async Task<JsonObject> BodyObjectAsync(HttpContext context) =>
        await ImageApiEndpoints.BodyAsync(context) as JsonObject ?? throw new RefusedException(RefusalCode.Invalid, "Body expected in request.");

    /// <summary>A string field of a request body, or Glance's refusal when it is missing or not a string.</summary>
    private static string StringField(JsonObject body, string name, string missing, string malformed) =>
        !body.TryGetPropertyValue(name, out var node) ? throw new RefusedException(RefusalCode.Invalid, missing)
        : node is JsonValue value && value.TryGetValue<string>(out var text) ? text
        : throw new RefusedException(RefusalCode.Invalid, malformed);

    private static async Task<NoContent> RemoveAsync(string id, string member, HttpContext context, ImageService images, ImageSharingService sharing)
    {
        var caller = ImageApiEndpoints.CallerOf(context);
        var image = await SharedImageAsync(caller, id, images, context);
        await sharing.RemoveMemberAsync(caller, image.Id, MemberOf(member), context.RequestAborted);
        return TypedResults.NoContent();
    }

    /// <summary>The image, when the caller sees it (404) and it is shared (Glance's 403: members only count for shared images).</summary>
    private static async Task<Image> SharedImageAsync(Accounts.Caller caller, string id, ImageService images, HttpContext context)
    {
        var image = await images.GetAsync(caller, ImageApiEndpoints.IdOf(id), context.RequestAborted);
        return image.Visibility == ImageVisibility.Shared
            ? image
            : throw new RefusedException(RefusalCode.NotAllowed, OnlySharedImagesHaveMembers);
    }

    /// <summary>A member id that is not an account id names no member: not found, like one that is not there.</summary>
    private static Guid MemberOf(string member) =>
        Guid.TryParse(member, out var id)
            ? id
            : throw new RefusedException(RefusalCode.NotFound, $"'{member}' is not in the member list of the image.");

    /// <summary>Glance's member schema (<c>glance/api/v2/image_members.py</c>, <c>get_schema</c>).</summary>
    public static JsonObject MemberSchema() => new()
    {
        ["additionalProperties"] = false,
        ["name"] = "member",
        ["properties"] = new JsonObject
        {
            ["created_at"] = new JsonObject { ["description"] = "Date and time of image member creation", ["type"] = "string" },
            ["image_id"] = new JsonObject
            {
                ["description"] = "An identifier for the image",
                ["pattern"] = "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$",
                ["type"] = "string",
            },
            ["member_id"] = new JsonObject { ["description"] = "An identifier for the image member (tenantId)", ["type"] = "string" },
            ["schema"] = new JsonObject { ["readOnly"] = true, ["type"] = "string" },
            ["status"] = new JsonObject
            {
                ["description"] = "The status of this image member",
                ["enum"] = new JsonArray("pending", "accepted", "rejected"),
                ["type"] = "string",
            },
            ["updated_at"] = new JsonObject { ["description"] = "Date and time of last modification of image member", ["type"] = "string" },
        },
    };

    public static JsonObject MembersSchema() => new()
    {
        ["links"] = new JsonArray(new JsonObject { ["href"] = "{schema}", ["rel"] = "describedby" }),
        ["name"] = "members",
        ["properties"] = new JsonObject
        {
            ["members"] = new JsonObject { ["items"] = MemberSchema(), ["type"] = "array" },
            ["schema"] = new JsonObject { ["type"] = "string" },
        },
    };
}
