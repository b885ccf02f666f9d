namespace Linnet.Api.Tap;

/// <summary>What tap does when nobody says otherwise, shared by the proxy, the control plane and the CLI.</summary>
public static class TapDefaults
{
    /// <summary>Requests per second one tap reports, summed over every proxy it taps (Linkerd's default).</summary>
    public const double MaxRps = 100;

    /// <summary>The highest <c>max-rps</c> a tap may ask for.</summary>
    public const double MaxRpsLimit = 10_000;

    /// <summary>What a redacted header's value reads as.</summary>
    public const string Redacted = "[redacted]";

    /// <summary>Headers whose values are credentials: redacted unless an admin explicitly asks for them.</summary>
    public static readonly IReadOnlyList<string> SecretHeaders = ["authorization", "cookie", "set-cookie", "proxy-authorization"];
}
