namespace Linnet.Api.Validation;

/// <summary>The pieces of HTTP syntax (RFC 9110) that routes are checked against, the same in the control
/// plane's manifests, the proxy's config file and what the proxy takes from the Destination API.</summary>
public static class HttpSyntax
{
    // Gateway API HTTPMethod.
    private static readonly string[] MethodNames = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];

    private static readonly HashSet<string> MethodSet = new(MethodNames, StringComparer.Ordinal);

    /// <summary>The methods a route may match (Gateway API HTTPMethod), in the order error messages list them.</summary>
    public static IReadOnlyList<string> Methods => MethodNames;

    /// <summary>Whether <paramref name="method"/> is one of <see cref="Methods"/> (case-sensitive, as Gateway API).</summary>
    public static bool IsMethod(string method) => MethodSet.Contains(method);

    /// <summary>Whether <paramref name="value"/> is an RFC 9110 token: what a header name or a method consists of.</summary>
    public static bool IsToken(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="value"/> can be written as a header value: no CR, LF or NUL, which would
    /// end the field early or smuggle another one.</summary>
    public static bool IsHeaderValue(string value) => value.AsSpan().IndexOfAny('\r', '\n', '\0') < 0;
}
