using System.Globalization;

namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Durations as Go, Kubernetes and the Gateway API write them: one or more number-unit pairs
/// (<c>250ms</c>, <c>10s</c>, <c>1m30s</c>, <c>1.5h</c>), never negative, kept to whole milliseconds.</summary>
public static class GoDuration
{
    /// <summary>Parses <paramref name="text"/>; false when it is not such a duration.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = default;
        var span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            return false;
        }

        double totalMs = 0;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.'))
            {
                digits++;
            }

            var unitLength = 0;
            while (digits + unitLength < span.Length && char.IsAsciiLetter(span[digits + unitLength]))
            {
                unitLength++;
            }

            if (digits == 0 || !double.TryParse(span[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            double? unitMs = span.Slice(digits, unitLength) switch
            {
                "ms" => 1,
                "s" => 1000,
                "m" => 60_000,
                "h" => 3_600_000,
                _ => null,
            };
            if (unitMs is null)
            {
                return false;
            }

            totalMs += number * unitMs.Value;
            span = span[(digits + unitLength)..];
        }

        if (totalMs > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(Math.Round(totalMs));
        return true;
    }

    /// <summary>Writes <paramref name="value"/> so that <see cref="TryParse"/> reads it back equal.</summary>
    public static string Format(TimeSpan value)
    {
        var ms = (long)Math.Round(value.TotalMilliseconds);
        return ms % 1000 == 0 && ms != 0
            ? string.Create(CultureInfo.InvariantCulture, $"{ms / 1000}s")
            : string.Create(CultureInfo.InvariantCulture, $"{ms}ms");
    }
}
