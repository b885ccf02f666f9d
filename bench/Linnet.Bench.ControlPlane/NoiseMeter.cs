using System.Diagnostics;
using System.Globalization;

namespace Linnet.Bench.ControlPlane;

/// <summary>Background CPU on a shared machine: other work is not stopped, but each phase first waits
/// (bounded) for a quiet moment, and records how many cores processes this benchmark did not start used
/// while it ran.</summary>
internal sealed class NoiseMeter(Func<IEnumerable<int>> ourPids, int clockTicks, TimeSpan quietWait)
{
    private long _busy;
    private long _ours;
    private long _at;

    public List<string> Records { get; } = [];

    public List<string> Noisy { get; } = [];

    public double MaxCores { get; private set; }

    /// <summary>Waits up to the quiet wait until the machine, apart from us, uses under 0.15 cores for 0.5 s.</summary>
    public async Task WaitQuietAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < quietWait)
        {
            Begin();
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            if (Background() < 0.15)
            {
                return;
            }
        }
    }

    public void Begin()
    {
        _busy = ProcFs.MachineBusyTicks();
        _ours = Ours();
        _at = Stopwatch.GetTimestamp();
    }

    /// <summary>Records the background cores since <see cref="Begin"/> under <paramref name="label"/>.</summary>
    public double End(string label)
    {
        var cores = Background();
        Records.Add(string.Create(CultureInfo.InvariantCulture, $"{label}: {cores:F2}"));
        MaxCores = Math.Max(MaxCores, cores);
        if (cores > 0.2)
        {
            Noisy.Add(string.Create(CultureInfo.InvariantCulture, $"{label} ({cores:F2} cores)"));
        }

        return cores;
    }

    private double Background()
    {
        var seconds = Stopwatch.GetElapsedTime(_at).TotalSeconds;
        var cores = ((ProcFs.MachineBusyTicks() - _busy) - (Ours() - _ours)) / (seconds * clockTicks);
        return Math.Max(0, cores); // /proc/stat and per-process times are sampled differently
    }

    private long Ours() => ourPids().Sum(ProcFs.CpuTicks);
}
