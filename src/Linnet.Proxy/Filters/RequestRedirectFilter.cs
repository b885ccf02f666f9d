using Linnet.Proxy.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Net.Http.Headers;

namespace Linnet.Proxy.Filters;

/// <summary>Gateway API <c>RequestRedirect</c>: the proxy answers with a redirect whose <c>Location</c> is the
/// request's URL with the filter's scheme, host, port and path. The port, when the filter has none, is the
/// scheme's well-known one if the filter sets a scheme, else the port the request was sent to (the parent
/// Service's port: a mesh's "listener"); it is left out of the URL when it is the scheme's default (http 80,
/// https 443). The query string is kept.</summary>
internal sealed class RequestRedirectFilter
{
    private readonly string? _scheme;
    private readonly string? _host;
    private readonly PathModifier? _path;
    private readonly int? _port;

    public RequestRedirectFilter(RedirectConfig config, string? matchedPrefix)
    {
        ArgumentNullException.ThrowIfNull(config);
        _scheme = config.Scheme is { Length: > 0 } scheme ? scheme.ToLowerInvariant() : null;
        _host = config.Hostname is { Length: > 0 } host ? host : null;
        _path = config.Path is { } path ? new PathModifier(path, matchedPrefix) : null;
        _port = config.Port;
        StatusCode = config.StatusCode;
    }

    /// <summary>The redirect's status code.</summary>
    public int StatusCode { get; }

    /// <summary>The <c>Location</c> for <paramref name="request"/>, sent to <paramref name="listenerPort"/>.</summary>
    public string Location(HttpRequest request, int listenerPort)
    {
        ArgumentNullException.ThrowIfNull(request);
        var scheme = _scheme ?? request.Scheme;
        var port = _port ?? (_scheme switch
        {
            "http" => 80,
            "https" => 443,
            _ => listenerPort,
        });
        var defaultPort = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
        var hostName = _host ?? request.Host.Host;
        var host = defaultPort || port <= 0 ? new HostString(hostName) : new HostString(hostName, port);
        var path = _path is null ? request.Path : new PathString(_path.Apply(request.Path.Value ?? "/"));
        return UriHelper.BuildAbsolute(scheme, host, PathString.Empty, path, request.QueryString);
    }

    /// <summary>Answers <paramref name="context"/>'s request with the redirect.</summary>
    public void Respond(HttpContext context, int listenerPort)
    {
        ArgumentNullException.ThrowIfNull(context);
        var location = Location(context.Request, listenerPort);
        context.Response.StatusCode = StatusCode;
        context.Response.Headers[HeaderNames.Location] = location;
        context.Response.ContentLength = 0;
    }
}
