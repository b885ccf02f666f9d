using MathNet.Numerics.Distributions;

namespace Linnet.Bench.Judge;

/// <summary>Draws one tick of traffic for both sides at a given canary weight. The random stream depends
/// only on (run, tick), never on the algorithm, so every algorithm sees the same traffic for as long as
/// its weights agree with the others'.</summary>
internal sealed class Traffic(double ratePerSecond, double[][] primaryCells, double[][] canaryCells, ulong seed)
{
    public const int TickSeconds = 10;

    /// <summary>How far back the primary's traffic before the analysis is known: the embedded metrics
    /// store's default retention, what the controller can read at the first look.</summary>
    public const int HistoryMinutes = 15;

    /// <summary>The primary's traffic over the <see cref="HistoryMinutes"/> before the analysis, when it took
    /// all of it: drawn from its own ticks (negative ones), so it is the same for every algorithm.</summary>
    public void DrawHistory(int run, Tally primary)
    {
        primary.Clear();
        for (var tick = 1; tick <= HistoryMinutes * 60 / TickSeconds; tick++)
        {
            DrawSide(new Random(Seed(run, -tick)), ratePerSecond * TickSeconds, primaryCells, primary);
        }
    }

    public void Draw(int run, int tick, int canaryWeightPercent, Tally primary, Tally canary)
    {
        primary.Clear();
        canary.Clear();
        var random = new Random(Seed(run, tick));
        var perTick = ratePerSecond * TickSeconds;
        var w = canaryWeightPercent / 100.0;
        DrawSide(random, perTick * (1 - w), primaryCells, primary);
        DrawSide(random, perTick * w, canaryCells, canary);
    }

    private static void DrawSide(Random random, double expected, double[][] cells, Tally into)
    {
        for (var failed = 0; failed < 2; failed++)
        {
            var row = cells[failed];
            for (var bucket = 0; bucket < row.Length; bucket++)
            {
                var lambda = expected * row[bucket];
                if (lambda > 1e-12)
                {
                    into.Add(bucket, failed == 1, Poisson.Sample(random, lambda));
                }
            }
        }
    }

    private int Seed(int run, int tick)
    {
        // SplitMix64 finaliser over (seed, run, tick): independent-looking streams per tick of each run.
        var z = seed ^ ((ulong)run * 0x9E3779B97F4A7C15UL) ^ ((ulong)tick * 0xC2B2AE3D27D4EB4FUL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
