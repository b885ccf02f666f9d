namespace Linnet.Bench.ControlPlane;

/// <summary>The scrape benchmark's settings (see <c>bench/scrape/run.sh</c> for the environment that sets them).</summary>
internal sealed record ScrapeOptions : DriverOptions
{
    private ScrapeOptions(DriverArguments a)
        : base(a, "bench/scrape/run.sh")
    {
        Prometheus = a.Required("--prometheus");
    }

    public string Prometheus { get; }
    public int Proxies { get; init; } = 100;

    /// <summary>How long both scrapers are measured side by side, after both hold every proxy's series.</summary>
    public int Seconds { get; init; } = 180;

    /// <summary>How long the control plane is measured before it has anything to scrape (its own baseline).</summary>
    public int BaselineSeconds { get; init; } = 60;

    public int PortBase { get; init; } = 31600;
    public int PrometheusPort { get; init; } = 31590;

    public static ScrapeOptions Parse(string[] args)
    {
        var a = new DriverArguments(args);
        return new ScrapeOptions(a)
        {
            Proxies = a.Int("--proxies", 100, 1, 500),
            Seconds = a.Int("--seconds", 180, 10, 3600),
            BaselineSeconds = a.Int("--baseline-seconds", 60, 5, 600),
            PortBase = a.Int("--port-base", 31600, 1024, 60000),
            PrometheusPort = a.Int("--prometheus-port", 31590, 1024, 65535),
        };
    }
}
