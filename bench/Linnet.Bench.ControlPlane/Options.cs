using System.Globalization;

namespace Linnet.Bench.ControlPlane;

/// <summary>A mesh size: Services × ready Instances per Service.</summary>
internal readonly record struct MeshSize(int Services, int Instances)
{
    public int Endpoints => Services * Instances;

    public static MeshSize Parse(string text)
    {
        var parts = text.Split('x');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s is >= 3 and <= 5000
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i is >= 1 and <= 1000
            ? new MeshSize(s, i)
            : throw new ArgumentException($"'{text}' is not SERVICESxINSTANCES (3-5000 x 1-1000)");
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Services}x{Instances}");
}

/// <summary>The driver's settings (see <c>bench/control-plane/run.sh</c> for the environment that sets them).</summary>
internal sealed record RunOptions
{
    public required string ProxyBin { get; init; }
    public required string WorkDir { get; init; }
    public required string ResultsFile { get; init; }
    public string Command { get; init; } = "bench/control-plane/run.sh";
    public string Commit { get; init; } = "?";
    public string Timestamp { get; init; } = "?";
    public int Rounds { get; init; } = 3;
    public int Subscribers { get; init; } = 1000;
    public int Changes { get; init; } = 20;
    public int Proxies { get; init; } = 100;
    public int ProxyChanges { get; init; } = 10;
    public int PollMs { get; init; } = 10;
    public MeshSize Mesh { get; init; } = new(100, 10);
    public IReadOnlyList<MeshSize> MemoryMeshes { get; init; } = [new(100, 100)];
    public int MemorySubscribers { get; init; } = 100;
    public int MemoryChanges { get; init; } = 5;
    public int PortBase { get; init; } = 28600;
    public double QuietWaitSeconds { get; init; } = 30;
    public int ClockTicks { get; init; } = 100;

    public static RunOptions Parse(string[] args)
    {
        string? Value(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        int Int(string name, int fallback, int min, int max) =>
            Value(name) is { } text
                ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? v : throw new ArgumentException($"{name}: '{text}' is not in {min}-{max}")
                : fallback;

        return new RunOptions
        {
            ProxyBin = Value("--proxy-bin") ?? throw new ArgumentException("--proxy-bin is required"),
            WorkDir = Value("--work") ?? throw new ArgumentException("--work is required"),
            ResultsFile = Value("--results") ?? throw new ArgumentException("--results is required"),
            Command = Value("--command") ?? "bench/control-plane/run.sh",
            Commit = Value("--commit") ?? "?",
            Timestamp = Value("--timestamp") ?? "?",
            Rounds = Int("--rounds", 3, 1, 20),
            Subscribers = Int("--subscribers", 1000, 1, 5000),
            Changes = Int("--changes", 20, 1, 200),
            Proxies = Int("--proxies", 100, 0, 500),
            ProxyChanges = Int("--proxy-changes", 10, 1, 200),
            PollMs = Int("--poll-ms", 10, 1, 100),
            Mesh = Value("--mesh") is { } m ? MeshSize.Parse(m) : new MeshSize(100, 10),
            MemoryMeshes = Value("--memory-meshes") is { } mm
                ? mm.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(MeshSize.Parse).ToList()
                : [new MeshSize(100, 100)],
            MemorySubscribers = Int("--memory-subscribers", 100, 1, 5000),
            MemoryChanges = Int("--memory-changes", 5, 1, 100),
            PortBase = Int("--port-base", 28600, 1024, 60000),
            QuietWaitSeconds = Int("--quiet-wait", 30, 0, 120),
            ClockTicks = Int("--clk-tck", 100, 1, 10000),
        };
    }
}
