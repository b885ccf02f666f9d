using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Linnet.EndToEnd.App;

/// <summary>What the instance answered per first path segment, and its failure share with a seeded draw
/// (the tests count percentages; a run is repeatable for one instance name).</summary>
internal sealed class Counters(double failPercent, int seed)
{
    private readonly ConcurrentDictionary<string, long[]> _counts = new(StringComparer.Ordinal);
    private readonly Random _random = new(seed);
    private readonly Lock _lock = new();
    private double _failPercent = failPercent;

    public double FailPercent
    {
        get => Volatile.Read(ref _failPercent);
        set => Volatile.Write(ref _failPercent, value);
    }

    /// <summary>A stable seed per instance name (string hashes are randomised per process).</summary>
    public static int SeedFor(string instance)
    {
        var hash = 2166136261u;
        foreach (var c in instance)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & 0x7FFFFFFF);
    }

    /// <summary><c>/a/b</c> → <c>/a</c>; <c>/</c> → <c>/</c>.</summary>
    public static string Segment(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "/")
        {
            return "/";
        }

        var end = path.IndexOf('/', 1);
        return end < 0 ? path : path[..end];
    }

    /// <summary>Whether this request fails.</summary>
    public bool Draw()
    {
        var percent = FailPercent;
        if (percent <= 0)
        {
            return false;
        }

        lock (_lock)
        {
            return _random.NextDouble() * 100 < percent;
        }
    }

    public void Served(string segment) => Interlocked.Increment(ref Slot(segment)[0]);

    public void Failed(string segment) => Interlocked.Increment(ref Slot(segment)[1]);

    public string Render()
    {
        var text = new StringBuilder();
        foreach (var (segment, count) in _counts)
        {
            text.Append(CultureInfo.InvariantCulture, $"{segment} {Volatile.Read(ref count[0])} {Volatile.Read(ref count[1])}\n");
        }

        return text.ToString();
    }

    private long[] Slot(string segment) => _counts.GetOrAdd(segment, static _ => new long[2]);
}
