using System.Diagnostics;

namespace Linnet.Bench.Identity;

/// <summary>Operations per second of a loop run on several threads for a fixed time, with every operation's
/// latency kept for percentiles.</summary>
/// <param name="Count">Operations completed.</param>
/// <param name="Failures">Operations that failed (not counted in <paramref name="Count"/>).</param>
/// <param name="Elapsed">From the start of the first to the end of the last.</param>
/// <param name="LatenciesMs">Every successful operation's latency, sorted.</param>
internal sealed record Rate(long Count, long Failures, TimeSpan Elapsed, double[] LatenciesMs)
{
    public double PerSecond => Count / Elapsed.TotalSeconds;

    public double Percentile(double p) =>
        LatenciesMs.Length == 0 ? double.NaN : LatenciesMs[Math.Min(LatenciesMs.Length - 1, (int)Math.Ceiling(p / 100 * LatenciesMs.Length) - 1)];

    /// <summary>Runs <paramref name="operation"/> (worker index → success) on <paramref name="workers"/> workers
    /// until <paramref name="duration"/> has passed; an operation in progress then is finished and counted.</summary>
    public static async Task<Rate> MeasureAsync(int workers, TimeSpan duration, Func<int, Task<bool>> operation)
    {
        var started = Stopwatch.GetTimestamp();
        var results = await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var latencies = new List<double>();
            long failures = 0;
            while (Stopwatch.GetElapsedTime(started) < duration)
            {
                var t = Stopwatch.GetTimestamp();
                if (await operation(w))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                }
                else
                {
                    failures++;
                }
            }

            return (latencies, failures);
        })));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var all = results.SelectMany(r => r.latencies).ToArray();
        Array.Sort(all);
        return new Rate(all.Length, results.Sum(r => r.failures), elapsed, all);
    }

    /// <inheritdoc cref="MeasureAsync(int, TimeSpan, Func{int, Task{bool}})"/>
    public static Task<Rate> Measure(int workers, TimeSpan duration, Func<int, bool> operation) =>
        MeasureAsync(workers, duration, w => Task.FromResult(operation(w)));
}
