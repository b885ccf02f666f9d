using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Routing;

/// <summary>A compiled match: its method (if any), path condition (if any), every header condition and every
/// query-parameter condition must hold. Cheapest checks first; no allocation per request.</summary>
internal sealed class RouteMatcher
{
    private readonly PathMatcher? _path;
    private readonly HeaderMatcher[] _headers;
    private readonly QueryParamMatcher[] _queryParams;
    private readonly string? _method;

    public RouteMatcher(PathMatcher? path, HeaderMatcher[] headers, QueryParamMatcher[]? queryParams = null, string? method = null)
    {
        _path = path;
        _headers = headers;
        _queryParams = queryParams ?? [];
        _method = method;
    }

    /// <summary>The path condition, if any.</summary>
    public PathMatcher? Path => _path;

    /// <summary>Whether the path is all this match looks at (no method, header or query condition), so that
    /// <see cref="RouteIndex"/> can decide it from the path alone.</summary>
    public bool IsPathOnly => _method is null && _headers.Length == 0 && _queryParams.Length == 0;

    /// <summary>Whether <paramref name="request"/> satisfies this match.</summary>
    public bool Matches(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Methods are case-sensitive (RFC 9110 §9.1); Kestrel hands known ones over as interned constants.
        if (_method is not null && !string.Equals(request.Method, _method, StringComparison.Ordinal))
        {
            return false;
        }

        if (_path is not null && !_path.Matches(request.Path.Value ?? ""))
        {
            return false;
        }

        foreach (var header in _headers)
        {
            if (!header.Matches(request.Headers))
            {
                return false;
            }
        }

        if (_queryParams.Length > 0)
        {
            var query = request.QueryString.Value.AsSpan();
            foreach (var param in _queryParams)
            {
                if (!param.Matches(query))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
