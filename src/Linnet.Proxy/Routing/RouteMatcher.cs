using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Routing;

/// <summary>A compiled match: its path condition (if any) and every header condition must hold.</summary>
internal sealed class RouteMatcher
{
    private readonly PathMatcher? _path;
    private readonly HeaderMatcher[] _headers;

    public RouteMatcher(PathMatcher? path, HeaderMatcher[] headers)
    {
        _path = path;
        _headers = headers;
    }

    /// <summary>Whether the request's path and headers satisfy this match.</summary>
    public bool Matches(string path, IHeaderDictionary headers)
    {
        if (_path is not null && !_path.Matches(path))
        {
            return false;
        }

        foreach (var header in _headers)
        {
            if (!header.Matches(headers))
            {
                return false;
            }
        }

        return true;
    }
}
