using Linnet.Api.Telemetry;
using Linnet.ControlPlane.Core.Judge;
using MathNet.Numerics.Distributions;

namespace Linnet.ControlPlane.Core.Tests.Judge;

/// <summary>Seeded traffic for the judge's statistical tests: Poisson arrivals split by the canary's weight,
/// failures with a given probability and log-normal latencies (median 100 ms, p99 350 ms, scaled by a
/// factor), counted into Linkerd's buckets. Looks every 10 s; the weight steps 10 → 50 by 10 each minute,
/// as Flagger's typical schedule does.</summary>
internal sealed class SimulatedService(double requestsPerSecond, Func<int, double> primaryFailureRate, Func<int, double> canaryFailureRate, double canaryLatencyFactor)
{
    private const double Sigma = 0.53856; // ln(3.5) / z(0.99): p99 = 3.5 × median
    private static readonly double Mu = Math.Log(100);

    /// <summary>Runs one analysis until the judge decides or <paramref name="looks"/> looks have passed;
    /// returns the verdict and the look (1-based) it came at.</summary>
    public (JudgeVerdict Verdict, int Look) Run(JudgeOptions options, int looks, Random random)
    {
        var judge = new SequentialJudge(options);
        var primary = new Counts();
        var canary = new Counts();
        for (var look = 1; look <= looks; look++)
        {
            var weight = Math.Min(50, 10 * (1 + ((look - 1) / 6))) / 100.0;
            var expected = requestsPerSecond * 10;
            primary.Draw(random, expected * (1 - weight), primaryFailureRate(look), 1);
            canary.Draw(random, expected * weight, canaryFailureRate(look), canaryLatencyFactor);
            var result = judge.Observe(new JudgeInput(primary.Snapshot(), canary.Snapshot()));
            if (result.Verdict != JudgeVerdict.Continue)
            {
                return (result.Verdict, look);
            }
        }

        return (JudgeVerdict.Continue, looks);
    }

    private sealed class Counts
    {
        private readonly long[] _buckets = new long[LatencyBuckets.Count];
        private long _requests;
        private long _failures;

        public void Draw(Random random, double expected, double failureRate, double latencyFactor)
        {
            var previous = 0.0;
            for (var i = 0; i < _buckets.Length; i++)
            {
                var cdf = i < LatencyBuckets.Milliseconds.Count ? LogNormal.CDF(Mu, Sigma, LatencyBuckets.Milliseconds[i] / latencyFactor) : 1;
                var lambda = expected * (cdf - previous);
                previous = cdf;
                if (lambda <= 1e-12)
                {
                    continue;
                }

                // Poisson thinning: each bucket's count, and its failures, are independent Poisson draws.
                var failed = Poisson.Sample(random, lambda * failureRate);
                var ok = Poisson.Sample(random, lambda * (1 - failureRate));
                _buckets[i] += failed + ok;
                _requests += failed + ok;
                _failures += failed;
            }
        }

        public SideCounts Snapshot() => new(_requests, _failures, (long[])_buckets.Clone());
    }
}
