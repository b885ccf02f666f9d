using System.Text.Json;
using System.Text.Json.Nodes;
using Linnet.Api.Yaml;
using Linnet.ControlPlane.Api;
using Linnet.ControlPlane.Core.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Identity;

/// <summary>Workload tokens over the HTTP API: <c>POST /api/v1/tokens</c> signs one (for a proxy on another
/// host), <c>POST /api/v1/tokens/{id}/revoke</c> revokes one.</summary>
internal sealed partial class TokenApi(MeshIdentity identity, ControlPlaneOptions options, ILogger<TokenApi> logger)
{
    /// <summary>Minting and revoking are the admin's alone. Every endpoint already needs the admin by the
    /// fallback policy; naming the policy here keeps it so when other roles come.</summary>
    public static void Map(RouteGroupBuilder api, TokenApi tokens)
    {
        api.MapPost("/tokens", tokens.CreateAsync).RequireAuthorization(Security.ApiAuthentication.AdminPolicy);
        api.MapPost("/tokens/{id}/revoke", tokens.RevokeAsync).RequireAuthorization(Security.ApiAuthentication.AdminPolicy);
    }

    /// <summary>Why workload tokens are neither issued nor revoked on this platform; null where they are.</summary>
    private string? NoTokens => options.Platform == ControlPlanePlatform.Kubernetes
        ? "on Kubernetes a proxy proves its identity with its pod's service-account token (projected, audience " + MeshIdentity.ServiceAccountTokenAudience + "), reviewed by the API server; the control plane issues no workload tokens"
        : null;

    public async Task CreateAsync(HttpContext context)
    {
        if (NoTokens is { } refused)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status409Conflict, refused);
            return;
        }

        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException ex)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, $"the body is not JSON: {ex.Message}");
            return;
        }

        var ns = Text(body, "namespace");
        var serviceAccount = Text(body, "serviceAccount");
        var ttlText = Text(body, "ttl");
        string? error = null;
        var max = options.TokenMaxLifetime;
        var ttl = WorkloadTokens.DefaultLifetime < max ? WorkloadTokens.DefaultLifetime : max;
        if (!SpiffeId.IsName(ns))
        {
            error = "namespace: required, letters, digits, '-', '.' or '_'";
        }
        else if (!SpiffeId.IsName(serviceAccount))
        {
            error = "serviceAccount: required, letters, digits, '-', '.' or '_'";
        }
        else if (ttlText is not null && (!DurationParser.TryParse(ttlText, out ttl) || ttl < TimeSpan.FromSeconds(1)))
        {
            error = $"ttl: '{ttlText}' is not a duration of at least 1s (e.g. 12h)";
        }
        else if (ttl > max)
        {
            error = $"ttl: '{ttlText}' is longer than the longest lifetime this control plane grants ({Describe(max)}; the control plane's --token-max-lifetime)";
        }

        if (error is not null)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        var issued = identity.Tokens.Create(ns!, serviceAccount!, ttl);
        Log.Created(logger, issued.Claims.Id, ns!, serviceAccount!, issued.Claims.ExpiresAt);
        await ApiResponses.JsonAsync(context, StatusCodes.Status200OK, new JsonObject
        {
            ["id"] = issued.Claims.Id,
            ["namespace"] = issued.Claims.Namespace,
            ["serviceAccount"] = issued.Claims.ServiceAccount,
            ["identity"] = identity.IdentityOf(ns!, serviceAccount!).ToString(),
            ["issuedAt"] = issued.Claims.IssuedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["expiresAt"] = issued.Claims.ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["token"] = issued.Token,
        });
    }

    public Task RevokeAsync(HttpContext context, string id)
    {
        if (NoTokens is { } refused)
        {
            return ApiResponses.ErrorAsync(context, StatusCodes.Status409Conflict, refused);
        }

        if (!WorkloadTokens.IsTokenId(id))
        {
            return ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, $"'{id}' is not a token id (32 lowercase hex digits, as `linnet token create` prints)");
        }

        var added = identity.Tokens.Revoke(id);
        Log.Revoked(logger, id, added);
        return ApiResponses.JsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["id"] = id, ["revoked"] = true, ["alreadyRevoked"] = !added });
    }

    private static string Describe(TimeSpan span) =>
        span.Ticks % TimeSpan.TicksPerHour == 0
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{(long)span.TotalHours}h")
            : Linnet.ControlPlane.Core.Resources.GoDuration.Format(span);

    private static string? Text(JsonNode? body, string name) =>
        body is JsonObject o && o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static partial class Log
    {
        [LoggerMessage(411, LogLevel.Information, "created token {Id} for {Namespace}/{ServiceAccount}, expires {ExpiresAt:u}")]
        public static partial void Created(ILogger logger, string id, string @namespace, string serviceAccount, DateTimeOffset expiresAt);

        [LoggerMessage(412, LogLevel.Information, "revoked token {Id} (new: {New})")]
        public static partial void Revoked(ILogger logger, string id, bool @new);
    }
}
