using Linnet.Api.Telemetry;
using Linnet.ControlPlane.Core.Judge;

namespace Linnet.Bench.Judge;

/// <summary>One side's counts (a tick's, or summed over several): requests, failures, latency buckets.</summary>
internal sealed class Tally
{
    public long Requests { get; private set; }

    public long Failures { get; private set; }

    public long[] Buckets { get; } = new long[LatencyBuckets.Count];

    public void Add(int bucket, bool failed, long count)
    {
        Requests += count;
        if (failed)
        {
            Failures += count;
        }

        Buckets[bucket] += count;
    }

    public void Add(Tally other)
    {
        Requests += other.Requests;
        Failures += other.Failures;
        for (var i = 0; i < Buckets.Length; i++)
        {
            Buckets[i] += other.Buckets[i];
        }
    }

    public void Clear()
    {
        Requests = 0;
        Failures = 0;
        Array.Clear(Buckets);
    }

    public SideCounts ToSideCounts() => new(Requests, Failures, (long[])Buckets.Clone());
}
