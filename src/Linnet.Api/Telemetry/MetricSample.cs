namespace Linnet.Api.Telemetry;

/// <summary>One sample of a Prometheus text scrape.</summary>
public sealed record MetricSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
