using System.Globalization;
using System.Text;

namespace Linnet.Api.Policy;

/// <summary>Durations in the Gateway API's format (GEP-2257), the one format of every duration in a traffic
/// policy, whether a manifest or the proxy's config file carries it: one to four components, each one to five
/// decimal digits followed by <c>h</c>, <c>m</c>, <c>s</c> or <c>ms</c> (<c>500ms</c>, <c>10s</c>, <c>1m30s</c>);
/// no fractions, no sign, no spaces; the total is the sum of the components, at most 99999h59m59s999ms.</summary>
public static class GatewayDuration
{
    /// <summary>What a value must look like, for error messages.</summary>
    public const string Expected = "a duration such as 500ms, 10s or 1m30s";

    /// <summary>The longest duration the format can write (GEP-2257: more than 99999 hours is out of range).</summary>
    public static readonly TimeSpan Max = TimeSpan.FromHours(100_000) - TimeSpan.FromMilliseconds(1);

    private const int MaxComponents = 4;
    private const int MaxDigits = 5;

    /// <summary>Parses <paramref name="text"/>; false when it is not a GEP-2257 duration.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = default;
        var span = text.AsSpan();
        if (span.IsEmpty)
        {
            return false;
        }

        long totalMs = 0;
        var components = 0;
        while (!span.IsEmpty)
        {
            if (++components > MaxComponents)
            {
                return false;
            }

            var digits = 0;
            while (digits < span.Length && char.IsAsciiDigit(span[digits]))
            {
                digits++;
            }

            if (digits is 0 or > MaxDigits)
            {
                return false;
            }

            long number = int.Parse(span[..digits], NumberStyles.None, CultureInfo.InvariantCulture);
            span = span[digits..];
            long unitMs;
            if (span.StartsWith("ms", StringComparison.Ordinal))
            {
                unitMs = 1;
                span = span[2..];
            }
            else if (!span.IsEmpty && span[0] is 'h' or 'm' or 's')
            {
                unitMs = span[0] switch { 'h' => 3_600_000, 'm' => 60_000, _ => 1_000 };
                span = span[1..];
            }
            else
            {
                return false;
            }

            totalMs += number * unitMs;
        }

        if (totalMs > (long)Max.TotalMilliseconds)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    /// <summary>The reason <paramref name="text"/> is refused, for a field's error.</summary>
    public static string Problem(string text) => $"'{text}' is not {Expected}";

    /// <summary>Writes <paramref name="value"/> in GEP-2257's standard form: the zero duration as <c>0s</c>, others
    /// with descending, non-repeating units, each as large as possible (<c>1h30m</c>, <c>2h600ms</c>). A value the
    /// format cannot hold (negative, finer than a millisecond, over 99999 hours) throws.</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.Zero || value > Max || value.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "GEP-2257 durations are whole milliseconds from 0 to 99999h59m59s999ms");
        }

        var ms = (long)value.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }

        var text = new StringBuilder();
        Append(text, ms / 3_600_000, "h");
        Append(text, ms / 60_000 % 60, "m");
        Append(text, ms / 1_000 % 60, "s");
        Append(text, ms % 1_000, "ms");
        return text.ToString();
    }

    private static void Append(StringBuilder text, long count, string unit)
    {
        if (count > 0)
        {
            text.Append(count.ToString(CultureInfo.InvariantCulture)).Append(unit);
        }
    }
}
