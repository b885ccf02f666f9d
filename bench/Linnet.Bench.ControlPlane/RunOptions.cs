namespace Linnet.Bench.ControlPlane;

/// <summary>The propagation and memory run's settings (see <c>bench/control-plane/run.sh</c> for the environment that
/// sets them).</summary>
internal sealed record RunOptions : DriverOptions
{
    private RunOptions(DriverArguments a)
        : base(a, "bench/control-plane/run.sh")
    {
    }

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

    public static RunOptions Parse(string[] args)
    {
        var a = new DriverArguments(args);
        return new RunOptions(a)
        {
            Rounds = a.Int("--rounds", 3, 1, 20),
            Subscribers = a.Int("--subscribers", 1000, 1, 5000),
            Changes = a.Int("--changes", 20, 1, 200),
            Proxies = a.Int("--proxies", 100, 0, 500),
            ProxyChanges = a.Int("--proxy-changes", 10, 1, 200),
            PollMs = a.Int("--poll-ms", 10, 1, 100),
            Mesh = a.Value("--mesh") is { } m ? MeshSize.Parse(m) : new MeshSize(100, 10),
            MemoryMeshes = a.Value("--memory-meshes") is { } mm
                ? mm.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(MeshSize.Parse).ToList()
                : [new MeshSize(100, 100)],
            MemorySubscribers = a.Int("--memory-subscribers", 100, 1, 5000),
            MemoryChanges = a.Int("--memory-changes", 5, 1, 100),
            PortBase = a.Int("--port-base", 28600, 1024, 60000),
        };
    }
}
