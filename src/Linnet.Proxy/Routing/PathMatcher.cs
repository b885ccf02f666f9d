using System.Text.RegularExpressions;
using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Routing;

/// <summary>A compiled path condition with Gateway API semantics: prefixes match whole path elements
/// (<c>/api</c> matches <c>/api</c> and <c>/api/v1</c>, never <c>/apis</c>; a trailing <c>/</c> in the
/// prefix is ignored), exact is case-sensitive equality, regex must match the whole path.</summary>
internal sealed class PathMatcher
{
    private readonly PathMatchType _type;
    private readonly string _value;
    private readonly string _valueWithSlash;
    private readonly Regex? _regex;

    /// <summary>Compiles <paramref name="config"/>. A regex pattern that does not compile is passed as
    /// <paramref name="regex"/> null and never matches.</summary>
    public PathMatcher(PathMatchConfig config, Regex? regex)
    {
        ArgumentNullException.ThrowIfNull(config);
        _type = config.Type;
        _regex = regex;
        _value = config.Type == PathMatchType.Prefix ? config.Value.TrimEnd('/') : config.Value;
        _valueWithSlash = _value + "/";
    }

    /// <summary>The kind of condition.</summary>
    public PathMatchType Type => _type;

    /// <summary>The compared value: for a prefix without its trailing <c>/</c> (empty: every path).</summary>
    public string Value => _value;

    /// <summary>Whether <paramref name="path"/> (the decoded request path) satisfies the condition.</summary>
    public bool Matches(string path) => _type switch
    {
        // An empty prefix ("" or "/") is every path.
        PathMatchType.Prefix => _value.Length == 0
            || path.Equals(_value, StringComparison.Ordinal)
            || path.StartsWith(_valueWithSlash, StringComparison.Ordinal),
        PathMatchType.Exact => path.Equals(_value, StringComparison.Ordinal),
        _ => _regex is not null && RouteRegex.IsMatch(_regex, path),
    };
}
