using Linnet.Api.Telemetry;

namespace Linnet.Proxy.Tests.Infrastructure;

/// <summary>A parsed scrape of the proxy's <c>/metrics</c>, for asserting exact values.</summary>
internal sealed class MetricsScrape(string text)
{
    private readonly PrometheusText _parsed = PrometheusText.Parse(text);

    public string Text => _parsed.Text;

    /// <summary>The sum of every sample named <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) => _parsed.Sum(name, labels);

    /// <summary>Every sample named <paramref name="name"/>.</summary>
    public IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)> All(string name) =>
        _parsed.All(name).Select(s => (s.Labels, s.Value)).ToList();
}
