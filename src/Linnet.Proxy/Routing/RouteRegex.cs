using System.Text.RegularExpressions;
using Linnet.Api.Validation;

namespace Linnet.Proxy.Routing;

/// <summary>How route regular expressions are built: anchored to match the whole input, compiled once per
/// pattern, with a timeout so that a pathological pattern cannot stall a request.</summary>
internal static class RouteRegex
{
    /// <summary>A match that takes longer than this counts as no match.</summary>
    public static readonly TimeSpan MatchTimeout = RoutePattern.MatchTimeout;

    /// <summary>Builds the full-match regex for <paramref name="pattern"/>; throws <see cref="ArgumentException"/>
    /// when the pattern is invalid.</summary>
    public static Regex Create(string pattern) => RoutePattern.Create(pattern, RegexOptions.Compiled);

    /// <summary>Whether <paramref name="regex"/> matches; a timeout is a non-match.</summary>
    public static bool IsMatch(Regex regex, string input)
    {
        try
        {
            return regex.IsMatch(input);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
