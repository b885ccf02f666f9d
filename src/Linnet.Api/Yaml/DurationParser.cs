using System.Globalization;

namespace Linnet.Api.Yaml;

/// <summary>Parses durations as Go and Kubernetes write them: <c>250ms</c>, <c>10s</c>, <c>1m</c>, <c>1h</c>.</summary>
public static class DurationParser
{
    /// <summary>Parses <paramref name="text"/>; false when it is not a duration.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        ArgumentNullException.ThrowIfNull(text);
        var span = text.AsSpan().Trim();
        var unitStart = span.Length;
        while (unitStart > 0 && char.IsLetter(span[unitStart - 1]))
        {
            unitStart--;
        }

        if (unitStart == 0 || !double.TryParse(span[..unitStart], NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || number < 0)
        {
            return false;
        }

        double? ms = span[unitStart..] switch
        {
            "ms" => number,
            "s" => number * 1000,
            "m" => number * 60_000,
            "h" => number * 3_600_000,
            _ => null,
        };
        if (ms is null)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(ms.Value);
        return true;
    }
}
