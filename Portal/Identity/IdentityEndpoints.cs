using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Extensions;
using Portal.Rules;

namespace Portal.Identity;

/// <summary>
/// The part of Keystone's Identity API v3 that OpenStack tools need to sign in with an application credential, under
/// <c>{PublicUrl}/identity</c>: version discovery, issuing a token (<c>POST /v3/auth/tokens</c>) and validating one.
/// </summary>
public static class IdentityEndpoints
{
    public const string SubjectTokenHeader = "X-Subject-Token";
    public const string ApplicationCredentialMethod = "application_credential";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapIdentityEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var identity = endpoints.MapGroup(PublicUrls.IdentityPath).WithTags("Identity");
        identity.MapGet("/", (PublicUrls urls) =>
            Results.Json(new JsonObject { ["versions"] = new JsonObject { ["values"] = new JsonArray(Version(urls)) } },
                statusCode: StatusCodes.Status300MultipleChoices));
        identity.MapGet("/v3", (PublicUrls urls) => Results.Json(new JsonObject { ["version"] = Version(urls) }));
        identity.MapPost("/v3/auth/tokens", IssueAsync).RequireRateLimiting(SignInRateLimit.TokenPolicyName);
        identity.MapMethods("/v3/auth/tokens", [HttpMethods.Get, HttpMethods.Head], ValidateAsync)
            .RequireAuthorization(ApiTokenAuthentication.TokenPolicy);

        // As Keystone answers a project member without the admin role: its own project is shown, any other and the
        // list are forbidden. openstackclient then takes a project id it was given as it is (image remove project).
        identity.MapGet("/v3/projects", () => OpenStackErrors.Error(StatusCodes.Status403Forbidden, ForbiddenAction("identity:list_projects")))
            .RequireAuthorization(ApiTokenAuthentication.TokenPolicy);
        identity.MapGet("/v3/projects/{id}", ShowProjectAsync).RequireAuthorization(ApiTokenAuthentication.TokenPolicy);
        return endpoints;
    }

    private static string ForbiddenAction(string action) => $"You are not authorized to perform the requested action: {action}.";

    private static async Task<IResult> ShowProjectAsync(string id, HttpContext context, IDbContextFactory<Data.PortalDbContext> dbFactory)
    {
        var caller = Caller.FromPrincipal(context.User);
        if (caller is null || !Guid.TryParse(id, out var accountId) || accountId != caller.AccountId)
        {
            return OpenStackErrors.Error(StatusCodes.Status403Forbidden, ForbiddenAction("identity:get_project"));
        }

        await using var db = await dbFactory.CreateDbContextAsync(context.RequestAborted);
        var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Id == accountId, context.RequestAborted);
        return Results.Json(new JsonObject
        {
            ["project"] = new JsonObject
            {
                ["id"] = account.Id.ToString("D"),
                ["name"] = account.Name,
                ["domain_id"] = "default",
                ["description"] = string.Empty,
                ["enabled"] = true,
                ["is_domain"] = false,
                ["parent_id"] = "default",
            },
        });
    }

    private static JsonObject Version(PublicUrls urls) => new()
    {
        ["id"] = "v3.14",
        ["status"] = "stable",
        ["updated"] = "2020-04-07T00:00:00Z",
        ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = urls.IdentityV3 + "/" }),
        ["media-types"] = new JsonArray(new JsonObject
        {
            ["base"] = "application/json",
            ["type"] = "application/vnd.openstack.identity-v3+json",
        }),
    };

    private static async Task<IResult> IssueAsync(HttpContext context, ApiTokenService tokens, PublicUrls urls, IOptions<PortalOptions> options)
    {
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            return OpenStackErrors.Error(StatusCodes.Status400BadRequest, OpenStackErrors.BodyIsNotJson);
        }

        var auth = body?["auth"]?["identity"];
        if (auth?["methods"] is not JsonArray methods)
        {
            return OpenStackErrors.Error(StatusCodes.Status400BadRequest, "Expecting to find auth.identity.methods in the request body.");
        }

        if (!methods.Any(m => m?.GetValueKind() == JsonValueKind.String && m.GetValue<string>() == ApplicationCredentialMethod))
        {
            return OpenStackErrors.Error(StatusCodes.Status401Unauthorized,
                "This portal signs in with application credentials only (the application_credential method).");
        }

        var credential = auth[ApplicationCredentialMethod];
        try
        {
            var issued = await tokens.IssueAsync(StringOf(credential?["id"]), StringOf(credential?["secret"]), context.RequestAborted);
            context.Response.Headers[SubjectTokenHeader] = issued.Token;
            return Results.Json(TokenBody(issued.Session, urls, options.Value.Api.Region, withCatalog: true), statusCode: StatusCodes.Status201Created);
        }
        catch (RefusedException e)
        {
            return e.Refusal.ToOpenStackError();
        }
    }

    private static async Task<IResult> ValidateAsync(HttpContext context, ApiTokenService tokens, PublicUrls urls, IOptions<PortalOptions> options)
    {
        var asking = ApiTokenAuthenticationHandler.SessionOf(context);
        if (asking is null
            || await tokens.InspectAsync(asking.Caller, context.Request.Headers[SubjectTokenHeader].ToString(), context.RequestAborted) is not { } subject)
        {
            return OpenStackErrors.Error(StatusCodes.Status404NotFound, ApiTokenService.TokenNotFound);
        }

        context.Response.Headers[SubjectTokenHeader] = context.Request.Headers[SubjectTokenHeader].ToString();
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Results.Ok();
        }

        var withCatalog = !context.Request.Query.ContainsKey("nocatalog");
        return Results.Json(TokenBody(subject, urls, options.Value.Api.Region, withCatalog));
    }

    private static string? StringOf(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    /// <summary>The token as Keystone describes it; the project is the user's account, the roles their role.</summary>
    private static JsonObject TokenBody(ApiSession session, PublicUrls urls, string region, bool withCatalog)
    {
        var domain = new JsonObject { ["id"] = "default", ["name"] = "Default" };
        var roles = new JsonArray(Role("reader"), Role("member"));
        if (session.Caller.IsOperator)
        {
            roles.Add(Role("admin"));
        }

        var token = new JsonObject
        {
            ["methods"] = new JsonArray(ApplicationCredentialMethod),
            ["application_credential"] = new JsonObject
            {
                ["id"] = session.Credential.PublicId,
                ["name"] = session.Credential.Name,
                ["restricted"] = true,
            },
            ["audit_ids"] = new JsonArray(session.Token.AuditId),
            ["expires_at"] = Timestamp(session.Token.ExpiresAt),
            ["issued_at"] = Timestamp(session.Token.IssuedAt),
            ["is_domain"] = false,
            ["project"] = new JsonObject
            {
                ["domain"] = domain.DeepClone(),
                ["id"] = session.Account.Id.ToString("D"),
                ["name"] = session.Account.Name,
            },
            ["roles"] = roles,
            ["user"] = new JsonObject
            {
                ["domain"] = domain.DeepClone(),
                ["id"] = session.Caller.UserId,
                ["name"] = session.Caller.Email,
                ["password_expires_at"] = null,
            },
        };
        if (withCatalog)
        {
            token["catalog"] = new JsonArray(
                Service("image", "glance", urls.Image, region),
                Service("identity", "keystone", urls.Identity, region));
        }

        return new JsonObject { ["token"] = token };
    }

    private static JsonObject Role(string name) => new() { ["id"] = name, ["name"] = name };

    private static JsonObject Service(string type, string name, string url, string region) => new()
    {
        ["endpoints"] = new JsonArray(new JsonObject
        {
            ["id"] = $"{type}-public",
            ["interface"] = "public",
            ["region"] = region,
            ["region_id"] = region,
            ["url"] = url,
        }),
        ["id"] = type,
        ["type"] = type,
        ["name"] = name,
    };

    private static string Timestamp(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
