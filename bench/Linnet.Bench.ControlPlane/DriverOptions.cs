namespace Linnet.Bench.ControlPlane;

/// <summary>What every verb of the driver takes (bench/control-plane/lib.sh passes it): the proxy to run, where to
/// work and write results, how the run is labelled, and how it waits for a quiet machine.</summary>
internal abstract record DriverOptions
{
    protected DriverOptions(DriverArguments a, string script)
    {
        ProxyBin = a.Required("--proxy-bin");
        WorkDir = a.Required("--work");
        ResultsFile = a.Required("--results");
        Command = a.Value("--command") ?? script;
        Commit = a.Value("--commit") ?? "?";
        Timestamp = a.Value("--timestamp") ?? "?";
        QuietWaitSeconds = a.Int("--quiet-wait", 30, 0, 120);
        ClockTicks = a.Int("--clk-tck", 100, 1, 10000);
    }

    public string ProxyBin { get; }
    public string WorkDir { get; }
    public string ResultsFile { get; }
    public string Command { get; }
    public string Commit { get; }
    public string Timestamp { get; }
    public double QuietWaitSeconds { get; }
    public int ClockTicks { get; }
}
