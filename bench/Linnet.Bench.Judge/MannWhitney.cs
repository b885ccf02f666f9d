using MathNet.Numerics.Distributions;

namespace Linnet.Bench.Judge;

/// <summary>The Mann-Whitney U test on ordered categories (latency buckets, or ok/failed), with midranks
/// for ties, the tie-corrected variance and a continuity correction, normal approximation (as R's
/// wilcox.test with exact = FALSE).</summary>
internal static class MannWhitney
{
    /// <summary>Two-sided p-value and whether the canary's values sit higher than the primary's.</summary>
    public static (double P, bool CanaryHigher) Test(ReadOnlySpan<long> canary, ReadOnlySpan<long> primary)
    {
        double n1 = 0, n2 = 0;
        for (var i = 0; i < canary.Length; i++)
        {
            n1 += canary[i];
            n2 += primary[i];
        }

        var n = n1 + n2;
        if (n1 == 0 || n2 == 0)
        {
            return (1, false);
        }

        double rankSum = 0, below = 0, ties = 0;
        for (var i = 0; i < canary.Length; i++)
        {
            double t = canary[i] + primary[i];
            rankSum += canary[i] * (below + ((t + 1) / 2));
            ties += (t * t * t) - t;
            below += t;
        }

        var u = rankSum - (n1 * (n1 + 1) / 2);
        var mean = n1 * n2 / 2;
        var variance = n1 * n2 / 12 * ((n + 1) - (ties / (n * (n - 1))));
        if (variance <= 0)
        {
            return (1, false);
        }

        var z = (Math.Abs(u - mean) - 0.5) / Math.Sqrt(variance);
        var p = z <= 0 ? 1 : 2 * (1 - Normal.CDF(0, 1, z));
        return (p, u > mean);
    }
}
