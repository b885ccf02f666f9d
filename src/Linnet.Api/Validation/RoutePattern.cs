using System.Text.RegularExpressions;

namespace Linnet.Api.Validation;

/// <summary>How a route's regular expression (path, header, query parameter, gRPC method) is built: anchored so
/// that it matches the whole input, culture-invariant, with a match timeout so that a pathological pattern cannot
/// stall a request. The proxy builds its matchers with <see cref="Create"/>; the control plane and the proxy's
/// config file check patterns with <see cref="Check"/>, so that what either accepts compiles in the proxy.</summary>
public static class RoutePattern
{
    /// <summary>A match that takes longer than this counts as no match.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Builds the full-match regex for <paramref name="pattern"/>, with <paramref name="options"/> added
    /// (the proxy adds <see cref="RegexOptions.Compiled"/>); throws <see cref="ArgumentException"/> when the
    /// pattern is invalid.</summary>
    public static Regex Create(string pattern, RegexOptions options = RegexOptions.None) =>
        new($@"\A(?:{pattern})\z", options | RegexOptions.CultureInvariant, MatchTimeout);

    /// <summary>Null when <paramref name="pattern"/> is a valid route pattern, else why not.</summary>
    public static string? Check(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        try
        {
            // Alone first, so that a pattern cannot close the anchoring group early ("a)|(b"); then as Create
            // builds it (interpreted here: the proxy compiles it once, when it builds its route table).
            _ = new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
            _ = Create(pattern);
            return null;
        }
        catch (ArgumentException ex)
        {
            return $"'{pattern}' is not a valid regular expression: {ex.Message}";
        }
    }
}
