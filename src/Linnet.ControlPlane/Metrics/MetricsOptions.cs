namespace Linnet.ControlPlane.Metrics;

/// <summary>Where the mesh's figures come from: the embedded scraper (default) or a real Prometheus.</summary>
public sealed record MetricsOptions
{
    /// <summary>How often the embedded scraper scrapes every proxy.</summary>
    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the embedded store keeps samples (the longest window a question may ask).</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>A scrape that takes longer is abandoned (the proxy counts as down for that round).</summary>
    public TimeSpan ScrapeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Scrapes in flight at once.</summary>
    public int ScrapeConcurrency { get; init; } = 16;

    /// <summary>A Prometheus that scrapes the proxies (through <c>/api/v1/metrics/targets</c>): questions go to
    /// it as PromQL and nothing is scraped by the control plane. Null: the embedded scraper.</summary>
    public Uri? PrometheusUrl { get; init; }
}
