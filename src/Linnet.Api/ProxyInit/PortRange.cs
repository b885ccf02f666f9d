using System.Globalization;

namespace Linnet.Api.ProxyInit;

/// <summary>A TCP port or an inclusive range of them, as Linkerd writes them (<c>4190</c>, <c>8000-8100</c>) in
/// <c>config.linkerd.io/skip-*-ports</c>, <c>opaque-ports</c> and proxy-init's <c>--*-ports-to-ignore</c>.</summary>
public readonly record struct PortRange(int Low, int High)
{
    /// <summary>The number of ports in the range.</summary>
    public int Count => High - Low + 1;

    /// <summary>The range as iptables' <c>multiport</c> match takes it: <c>port</c> or <c>low:high</c>.</summary>
    public string ToIptables() => Low == High
        ? Low.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Low}:{High}");

    /// <inheritdoc />
    public override string ToString() => Low == High
        ? Low.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Low}-{High}");

    /// <summary>Parses a comma-separated list of ports and ranges (blanks around items allowed, empty items
    /// skipped); on failure <paramref name="error"/> names the item and why, and the list is null.</summary>
    public static IReadOnlyList<PortRange>? ParseList(string value, out string? error)
    {
        ArgumentNullException.ThrowIfNull(value);
        var ranges = new List<PortRange>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            var low = dash < 0 ? part : part[..dash];
            var high = dash < 0 ? part : part[(dash + 1)..];
            if (!int.TryParse(low, NumberStyles.None, CultureInfo.InvariantCulture, out var lo) || !int.TryParse(high, NumberStyles.None, CultureInfo.InvariantCulture, out var hi)
                || lo is < 1 or > 65535 || hi is < 1 or > 65535 || lo > hi)
            {
                error = $"'{part}' is not a port 1..65535 or a range of them (low-high)";
                return null;
            }

            ranges.Add(new PortRange(lo, hi));
        }

        if (ranges.Count == 0)
        {
            error = "lists no port";
            return null;
        }

        error = null;
        return ranges;
    }
}
