using Linnet.Proxy.Configuration;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Routing;

/// <summary>Finds the first rule of a service that applies to a request without walking every rule: rules
/// whose matches look only at the path (exact or prefix) are indexed by path when the snapshot is compiled;
/// the others (method, header, query or regex conditions) are still evaluated in order, but only those that
/// come before the best indexed candidate. The answer is always the one the linear walk gives: the
/// lowest-indexed rule with a match that holds.</summary>
/// <remarks>Lookups per request: one for the whole path as an exact value, one as a prefix value, and one per
/// <c>/</c> in the path for the prefix before it, and only at lengths that some indexed prefix has, so a
/// request's cost is bounded by the configuration, not by how many slashes it carries.</remarks>
internal sealed class RouteIndex
{
    /// <summary>Below this many rules the plain walk is as cheap as the lookups, so no index is built.</summary>
    public const int MinRules = 8;

    private const int None = int.MaxValue;

    private readonly CompiledRouteRule[] _rules;
    private readonly Dictionary<string, int> _exact;
    private readonly Dictionary<string, int> _prefixes;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _prefixSpans;

    // _prefixLengths[n]: some indexed prefix is n characters long (n <= the longest).
    private readonly bool[] _prefixLengths;

    // The first rule that applies to every request (no matches, a match without conditions, or prefix "/").
    private readonly int _catchAll;

    // Rules the index cannot decide, ascending.
    private readonly int[] _walked;

    private RouteIndex(CompiledRouteRule[] rules, Dictionary<string, int> exact, Dictionary<string, int> prefixes, int catchAll, int[] walked)
    {
        _rules = rules;
        _exact = exact;
        _prefixes = prefixes;
        _prefixSpans = prefixes.GetAlternateLookup<ReadOnlySpan<char>>();
        _catchAll = catchAll;
        _walked = walked;
        var longest = 0;
        foreach (var prefix in prefixes.Keys)
        {
            longest = Math.Max(longest, prefix.Length);
        }

        _prefixLengths = new bool[longest + 1];
        foreach (var prefix in prefixes.Keys)
        {
            _prefixLengths[prefix.Length] = true;
        }
    }

    /// <summary>An index over <paramref name="rules"/>, or null when it would not pay: fewer than
    /// <see cref="MinRules"/> rules, or none that the path alone decides.</summary>
    public static RouteIndex? Create(CompiledRouteRule[] rules) => rules.Length < MinRules ? null : Build(rules);

    /// <summary>Builds the index whatever the number of rules (tests compare it with the walk on small sets);
    /// null when no rule is decided by the path alone.</summary>
    public static RouteIndex? Build(CompiledRouteRule[] rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var exact = new Dictionary<string, int>(StringComparer.Ordinal);
        var prefixes = new Dictionary<string, int>(StringComparer.Ordinal);
        var walked = new List<int>();
        var catchAll = None;
        var indexed = 0;
        for (var i = 0; i < rules.Length && i < catchAll; i++)
        {
            var matches = rules[i].Matches;

            // A route's hostnames are a condition beyond the path: such rules are walked.
            if (rules[i].Hosts is not null || !IsPathDecided(matches))
            {
                walked.Add(i);
                continue;
            }

            indexed++;
            if (matches.Length == 0)
            {
                catchAll = i;
                continue;
            }

            foreach (var match in matches)
            {
                // Rules are visited in order, so the first rule to claim a value is the lowest-indexed one.
                switch (match.Path)
                {
                    case null:
                        catchAll = Math.Min(catchAll, i);
                        break;
                    case { Type: PathMatchType.Prefix, Value.Length: 0 }:
                        catchAll = Math.Min(catchAll, i);
                        break;
                    case { Type: PathMatchType.Prefix } prefix:
                        prefixes.TryAdd(prefix.Value, i);
                        break;
                    case var path:
                        exact.TryAdd(path.Value, i);
                        break;
                }
            }
        }

        return indexed == 0 ? null : new RouteIndex(rules, exact, prefixes, catchAll, [.. walked]);
    }

    /// <summary>The index of the first rule that applies to <paramref name="request"/>; -1 when none does.</summary>
    public int FirstApplicable(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var best = BestByPath(request.Path.Value ?? "");
        foreach (var candidate in _walked)
        {
            if (candidate >= best)
            {
                break;
            }

            if (_rules[candidate].Applies(request))
            {
                return candidate;
            }
        }

        return best == None ? -1 : best;
    }

    private int BestByPath(string path)
    {
        var best = _catchAll;
        if (_exact.Count > 0 && _exact.TryGetValue(path, out var rule) && rule < best)
        {
            best = rule;
        }

        if (_prefixes.Count == 0)
        {
            return best;
        }

        var longest = _prefixLengths.Length - 1;
        if (path.Length <= longest && _prefixLengths[path.Length] && _prefixes.TryGetValue(path, out rule) && rule < best)
        {
            best = rule;
        }

        // A prefix p matches when the path is p followed by '/' and anything: try the text before each '/'
        // (the one at 0 would be the empty prefix, which is a catch-all).
        for (var slash = path.Length > 1 ? path.IndexOf('/', 1) : -1; slash > 0 && slash <= longest; slash = path.IndexOf('/', slash + 1))
        {
            if (_prefixLengths[slash] && _prefixSpans.TryGetValue(path.AsSpan(0, slash), out rule) && rule < best)
            {
                best = rule;
            }
        }

        return best;
    }

    // Whether the path alone decides if the rule applies: every match is an exact or prefix path condition
    // with nothing else, or no condition at all.
    private static bool IsPathDecided(ReadOnlySpan<RouteMatcher> matches)
    {
        foreach (var match in matches)
        {
            if (!match.IsPathOnly || match.Path is { Type: not (PathMatchType.Exact or PathMatchType.Prefix) })
            {
                return false;
            }
        }

        return true;
    }
}
