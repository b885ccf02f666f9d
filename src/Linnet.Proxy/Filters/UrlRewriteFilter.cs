using Linnet.Proxy.Configuration;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Filters;

/// <summary>Gateway API <c>URLRewrite</c>: changes the request's path and/or Host before it is forwarded (and
/// before any retry or mirror copy is made of it). The query string is kept.</summary>
internal sealed class UrlRewriteFilter
{
    private readonly HostString? _host;
    private readonly PathModifier? _path;

    public UrlRewriteFilter(RewriteConfig config, string? matchedPrefix)
    {
        ArgumentNullException.ThrowIfNull(config);
        _host = config.Hostname is { Length: > 0 } host ? new HostString(host) : null;
        _path = config.Path is { } path ? new PathModifier(path, matchedPrefix) : null;
    }

    /// <summary>Rewrites <paramref name="request"/> in place.</summary>
    public void Apply(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_path is not null)
        {
            request.Path = new PathString(_path.Apply(request.Path.Value ?? "/"));
        }

        if (_host is { } host)
        {
            request.Host = host;
        }
    }
}
