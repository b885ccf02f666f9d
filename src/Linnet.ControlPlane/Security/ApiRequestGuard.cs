using System.Net;
using Linnet.ControlPlane.Api;
using Linnet.ControlPlane.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Linnet.ControlPlane.Security;

/// <summary>Checks on every HTTP API request that do not depend on who calls. The Host header must be an IP
/// address, <c>localhost</c> or one of <see cref="ControlPlaneOptions.ApiHostNames"/>: a page on a domain that
/// the attacker re-points at 127.0.0.1 (DNS rebinding) still sends its own name, and gets 421. A request with a
/// body must say it is JSON or YAML: a browser can send <c>text/plain</c>, form and multipart bodies across
/// sites without asking (CORS "simple" requests), so those never reach a handler (415).</summary>
internal sealed class ApiRequestGuard(ControlPlaneOptions options)
{
    /// <summary>The media types a request body may have.</summary>
    public static readonly IReadOnlyList<string> BodyMediaTypes = ["application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"];

    private readonly HashSet<string> _names = new(options.ApiHostNames.Append("localhost"), StringComparer.OrdinalIgnoreCase);

    /// <summary>Refuses a request whose Host is not one of ours (before authentication).</summary>
    public Task CheckHostAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Features.Get<ListenerFeature>()?.Role != ListenerRole.Http)
        {
            return next(context);
        }

        var host = context.Request.Host;
        if (!host.HasValue)
        {
            return ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, "the request has no Host header");
        }

        if (!IsOurs(host.Host))
        {
            return ApiResponses.ErrorAsync(context, StatusCodes.Status421MisdirectedRequest,
                $"the Host '{host.Host}' is not a name of this control plane (an IP address, localhost, or a name given with --api-host-name)");
        }

        return next(context);
    }

    /// <summary>Refuses a body that is not JSON or YAML (after authentication, so that callers without a
    /// credential learn nothing).</summary>
    public static Task CheckContentTypeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Features.Get<ListenerFeature>()?.Role != ListenerRole.Http)
        {
            return next(context);
        }

        var request = context.Request;
        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0 || request.Headers.ContentType.Count > 0;
        if (hasBody && !IsAccepted(request.ContentType) && !IsRegistryNotification(request))
        {
            return ApiResponses.ErrorAsync(context, StatusCodes.Status415UnsupportedMediaType,
                $"the body's Content-Type is '{request.ContentType ?? "(none)"}'; send {string.Join(", ", BodyMediaTypes)}");
        }

        return next(context);
    }

    // Docker distribution posts its notifications with a media type of its own (not one a browser may send
    // cross-site without a preflight either); only its webhook takes it.
    private static bool IsRegistryNotification(HttpRequest request) =>
        request.Path.Equals("/v1/webhooks/registry", StringComparison.Ordinal)
        && MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed)
        && parsed.MediaType.Equals("application/vnd.docker.distribution.events.v1+json", StringComparison.OrdinalIgnoreCase);

    private bool IsOurs(string host) =>
        IPAddress.TryParse(host, out _) || _names.Contains(host.TrimEnd('.'));

    private static bool IsAccepted(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var parsed))
        {
            return false;
        }

        foreach (var accepted in BodyMediaTypes)
        {
            if (parsed.MediaType.Equals(accepted, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
