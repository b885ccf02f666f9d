using System.Globalization;

namespace Linnet.Api.Policy;

/// <summary>Durations in Linkerd's annotations (<c>timeout.linkerd.io/*</c>, <c>retry.linkerd.io/timeout</c>,
/// <c>balancer.linkerd.io/failure-accrual-consecutive-*-penalty</c>), read as Linkerd's policy controller reads
/// them (<c>parse_duration</c> in policy-controller/k8s/index): surrounding spaces ignored, one whole number and
/// one unit of <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c>, or a bare <c>0</c>; and, as everywhere else in a
/// traffic policy, a GEP-2257 duration (<c>1m30s</c>, <see cref="GatewayDuration"/>). So an annotation Linkerd
/// accepts means the same here; fractions, signs and unknown units are refused.</summary>
public static class LinkerdDuration
{
    /// <summary>What a value must look like, for error messages.</summary>
    public const string Expected = "a duration with a unit, such as 300ms, 5s or 1m";

    /// <summary>Parses <paramref name="text"/>; false when Linkerd would refuse it.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParseLinkerd(text, out value) || GatewayDuration.TryParse(text.Trim(), out value);
    }

    private static bool TryParseLinkerd(string text, out TimeSpan value)
    {
        value = default;
        var span = text.AsSpan().Trim();
        var digits = 0;
        while (digits < span.Length && char.IsAsciiDigit(span[digits]))
        {
            digits++;
        }

        if (digits == 0 || !ulong.TryParse(span[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var magnitude))
        {
            return false;
        }

        ulong? unitMs = span[digits..] switch
        {
            "" when magnitude == 0 => 0,
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => null,
        };

        // Linkerd refuses a value that overflows 64-bit milliseconds; TimeSpan holds less, so the bound is its.
        if (unitMs is not { } unit || (unit > 0 && magnitude > (ulong)TimeSpan.MaxValue.TotalMilliseconds / unit))
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds((long)(magnitude * unit));
        return true;
    }

    /// <summary>The reason <paramref name="text"/> is refused, for an annotation's error.</summary>
    public static string Problem(string text) => $"'{text}' is not {Expected}";
}
