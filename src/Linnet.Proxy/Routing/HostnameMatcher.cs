namespace Linnet.Proxy.Routing;

/// <summary>Gateway API <c>hostnames</c> of a route, compiled: the request's host (its port ignored, compared
/// case-insensitively, a trailing dot dropped) must equal one of the exact names or end with the suffix of a
/// wildcard (<c>*.example.com</c> matches <c>a.example.com</c> and <c>a.b.example.com</c>, not
/// <c>example.com</c>).</summary>
internal sealed class HostnameMatcher
{
    private readonly string[] _exact;
    private readonly string[] _suffixes;

    private HostnameMatcher(string[] exact, string[] suffixes)
    {
        _exact = exact;
        _suffixes = suffixes;
    }

    /// <summary>Null when <paramref name="hostnames"/> is empty (any host).</summary>
    public static HostnameMatcher? Create(IReadOnlyList<string> hostnames)
    {
        ArgumentNullException.ThrowIfNull(hostnames);
        if (hostnames.Count == 0)
        {
            return null;
        }

        var exact = new List<string>();
        var suffixes = new List<string>();
        foreach (var name in hostnames)
        {
            if (name.StartsWith("*.", StringComparison.Ordinal))
            {
                suffixes.Add(name[1..]);
            }
            else
            {
                exact.Add(name.TrimEnd('.'));
            }
        }

        return new HostnameMatcher([.. exact], [.. suffixes]);
    }

    /// <summary>Whether <paramref name="host"/> (the Host/:authority without its port) matches.</summary>
    public bool Matches(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var name = host.AsSpan();
        if (name.EndsWith("."))
        {
            name = name[..^1];
        }

        foreach (var exact in _exact)
        {
            if (name.Equals(exact, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        foreach (var suffix in _suffixes)
        {
            // ".example.com": at least one label must come before it.
            if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
