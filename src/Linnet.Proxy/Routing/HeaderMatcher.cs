using System.Text.RegularExpressions;
using Linnet.Proxy.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Linnet.Proxy.Routing;

/// <summary>A compiled header condition: the name is looked up case-insensitively; the value is compared
/// case-sensitively (exact) or must be matched whole by the regex. An absent header never matches; a
/// header sent several times is compared as its values joined by <c>,</c> (RFC 9110 §5.3).</summary>
internal sealed class HeaderMatcher
{
    private readonly HeaderMatchType _type;
    private readonly string _name;
    private readonly string _value;
    private readonly Regex? _regex;

    /// <summary>Compiles <paramref name="config"/>. A regex pattern that does not compile is passed as
    /// <paramref name="regex"/> null and never matches.</summary>
    public HeaderMatcher(HeaderMatchConfig config, Regex? regex)
    {
        ArgumentNullException.ThrowIfNull(config);
        _type = config.Type;
        _name = config.Name;
        _value = config.Value;
        _regex = regex;
    }

    /// <summary>Whether <paramref name="headers"/> satisfy the condition.</summary>
    public bool Matches(IHeaderDictionary headers)
    {
        if (!headers.TryGetValue(_name, out var values) || StringValues.IsNullOrEmpty(values))
        {
            return false;
        }

        var value = values.Count == 1 ? values[0]! : values.ToString();
        return _type == HeaderMatchType.Exact
            ? value.Equals(_value, StringComparison.Ordinal)
            : _regex is not null && RouteRegex.IsMatch(_regex, value);
    }
}
