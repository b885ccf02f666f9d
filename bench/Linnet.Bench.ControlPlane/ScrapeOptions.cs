using System.Globalization;

namespace Linnet.Bench.ControlPlane;

/// <summary>The scrape benchmark's settings (see <c>bench/scrape/run.sh</c> for the environment that sets them).</summary>
internal sealed record ScrapeOptions
{
    public required string ProxyBin { get; init; }
    public required string WorkDir { get; init; }
    public required string ResultsFile { get; init; }
    public required string Prometheus { get; init; }
    public string Command { get; init; } = "bench/scrape/run.sh";
    public string Commit { get; init; } = "?";
    public string Timestamp { get; init; } = "?";
    public int Proxies { get; init; } = 100;

    /// <summary>How long both scrapers are measured side by side, after both hold every proxy's series.</summary>
    public int Seconds { get; init; } = 180;

    /// <summary>How long the control plane is measured before it has anything to scrape (its own baseline).</summary>
    public int BaselineSeconds { get; init; } = 60;

    public int PortBase { get; init; } = 31600;
    public int PrometheusPort { get; init; } = 31590;
    public double QuietWaitSeconds { get; init; } = 30;
    public int ClockTicks { get; init; } = 100;

    public static ScrapeOptions Parse(string[] args)
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

        return new ScrapeOptions
        {
            ProxyBin = Value("--proxy-bin") ?? throw new ArgumentException("--proxy-bin is required"),
            WorkDir = Value("--work") ?? throw new ArgumentException("--work is required"),
            ResultsFile = Value("--results") ?? throw new ArgumentException("--results is required"),
            Prometheus = Value("--prometheus") ?? throw new ArgumentException("--prometheus is required"),
            Command = Value("--command") ?? "bench/scrape/run.sh",
            Commit = Value("--commit") ?? "?",
            Timestamp = Value("--timestamp") ?? "?",
            Proxies = Int("--proxies", 100, 1, 500),
            Seconds = Int("--seconds", 180, 10, 3600),
            BaselineSeconds = Int("--baseline-seconds", 60, 5, 600),
            PortBase = Int("--port-base", 31600, 1024, 60000),
            PrometheusPort = Int("--prometheus-port", 31590, 1024, 65535),
            QuietWaitSeconds = Int("--quiet-wait", 30, 0, 120),
            ClockTicks = Int("--clk-tck", 100, 1, 10000),
        };
    }
}
