using System.Globalization;

namespace Linnet.Bench.ControlPlane;

/// <summary>Nearest-rank percentiles over a sample.</summary>
internal static class Stats
{
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);

    public static double Max(IReadOnlyList<double> values) => values.Count == 0 ? double.NaN : values.Max();

    /// <summary>A figure for a table: "—" when there is none.</summary>
    public static string F(double value, int decimals = 1) =>
        double.IsFinite(value) ? value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "—";

    public static string I(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
