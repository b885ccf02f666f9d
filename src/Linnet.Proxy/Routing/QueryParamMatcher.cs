using System.Text.RegularExpressions;
using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Routing;

/// <summary>A compiled query-parameter condition (Gateway API <c>HTTPQueryParamMatch</c>): the first parameter
/// whose decoded name equals the name (case-sensitive) decides; its decoded value (<c>+</c> is a space,
/// <c>%XX</c> escapes) is compared exactly or must be matched whole by the regex. An absent parameter never
/// matches; one without <c>=</c> has the empty value. The raw query string is scanned in place: nothing is
/// allocated unless a name or value carries escapes.</summary>
internal sealed class QueryParamMatcher
{
    private readonly HeaderMatchType _type;
    private readonly string _name;
    private readonly string _value;
    private readonly Regex? _regex;

    /// <summary>Compiles <paramref name="config"/>. A regex pattern that does not compile is passed as
    /// <paramref name="regex"/> null and never matches.</summary>
    public QueryParamMatcher(QueryParamMatchConfig config, Regex? regex)
    {
        ArgumentNullException.ThrowIfNull(config);
        _type = config.Type;
        _name = config.Name;
        _value = config.Value;
        _regex = regex;
    }

    /// <summary>Whether the raw query string (with or without its leading <c>?</c>) satisfies the condition.</summary>
    public bool Matches(ReadOnlySpan<char> query)
    {
        if (!query.IsEmpty && query[0] == '?')
        {
            query = query[1..];
        }

        while (!query.IsEmpty)
        {
            var amp = query.IndexOf('&');
            var pair = amp < 0 ? query : query[..amp];
            query = amp < 0 ? default : query[(amp + 1)..];
            if (pair.IsEmpty)
            {
                continue;
            }

            var eq = pair.IndexOf('=');
            var rawName = eq < 0 ? pair : pair[..eq];
            if (!NameEquals(rawName))
            {
                continue;
            }

            return ValueMatches(eq < 0 ? [] : pair[(eq + 1)..]);
        }

        return false;
    }

    private static bool IsEscaped(ReadOnlySpan<char> raw) => raw.IndexOfAny('%', '+') >= 0;

    private static string Decode(ReadOnlySpan<char> raw) => Uri.UnescapeDataString(raw.ToString().Replace('+', ' '));

    private bool NameEquals(ReadOnlySpan<char> raw) =>
        IsEscaped(raw) ? Decode(raw).Equals(_name, StringComparison.Ordinal) : raw.SequenceEqual(_name);

    private bool ValueMatches(ReadOnlySpan<char> raw)
    {
        var value = IsEscaped(raw) ? Decode(raw).AsSpan() : raw;
        if (_type == HeaderMatchType.Exact)
        {
            return value.SequenceEqual(_value);
        }

        if (_regex is null)
        {
            return false;
        }

        try
        {
            return _regex.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
