using System.Globalization;

namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>PromQL's <c>histogram_quantile</c> over cumulative buckets: the bucket holding the rank
/// <c>q × count</c> is found and the value interpolated linearly inside it (the first bucket starting at 0);
/// a rank in the <c>+Inf</c> bucket gives the highest finite bound.</summary>
public static class HistogramQuantile
{
    /// <summary>The <paramref name="q"/> quantile of cumulative <paramref name="buckets"/> (upper bound → count,
    /// <c>+Inf</c> included); null when there are no observations or no <c>+Inf</c> bucket (PromQL: no value).</summary>
    public static double? Compute(double q, IReadOnlyDictionary<double, double> buckets)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        if (double.IsNaN(q))
        {
            return null;
        }

        if (q < 0)
        {
            return double.NegativeInfinity;
        }

        if (q > 1)
        {
            return double.PositiveInfinity;
        }

        var sorted = buckets.OrderBy(b => b.Key).ToList();
        if (sorted.Count < 2 || !double.IsPositiveInfinity(sorted[^1].Key))
        {
            return null;
        }

        // Counts must not decrease with the bound (PromQL repairs small float errors the same way).
        for (var i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Value < sorted[i - 1].Value)
            {
                sorted[i] = new(sorted[i].Key, sorted[i - 1].Value);
            }
        }

        var observations = sorted[^1].Value;
        if (observations <= 0)
        {
            return null;
        }

        var rank = q * observations;
        var b = 0;
        while (b < sorted.Count - 1 && sorted[b].Value < rank)
        {
            b++;
        }

        if (b == sorted.Count - 1)
        {
            return sorted[^2].Key;
        }

        if (b == 0 && sorted[0].Key <= 0)
        {
            return sorted[0].Key;
        }

        var start = b == 0 ? 0 : sorted[b - 1].Key;
        var end = sorted[b].Key;
        var count = sorted[b].Value;
        if (b > 0)
        {
            count -= sorted[b - 1].Value;
            rank -= sorted[b - 1].Value;
        }

        return start + ((end - start) * (rank / count));
    }

    /// <summary>Groups <paramref name="values"/> (grouped by some labels and <c>le</c>) into one bucket set per
    /// group key, skipping values whose <c>le</c> is not a number.</summary>
    public static Dictionary<string, Dictionary<double, double>> Buckets(IEnumerable<SeriesValue> values, Func<SeriesValue, string> key)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(key);
        var result = new Dictionary<string, Dictionary<double, double>>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var le = value.Label("le");
            double bound;
            if (le == "+Inf")
            {
                bound = double.PositiveInfinity;
            }
            else if (!double.TryParse(le, NumberStyles.Float, CultureInfo.InvariantCulture, out bound))
            {
                continue;
            }

            var buckets = result.TryGetValue(key(value), out var existing) ? existing : result[key(value)] = [];
            buckets[bound] = buckets.GetValueOrDefault(bound) + value.Value;
        }

        return result;
    }
}
