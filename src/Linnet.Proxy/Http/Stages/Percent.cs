namespace Linnet.Proxy.Http.Stages;

/// <summary>A route's percentages (fault delay and abort, mirror): drawn from the proxy's random source.</summary>
internal static class Percent
{
    /// <summary>Whether this request falls within <paramref name="percent"/> (0..100).</summary>
    public static bool Draw(Random random, double percent) => percent >= 100 || (percent > 0 && random.NextDouble() * 100 < percent);
}
