using Linnet.Api.Telemetry;

namespace Linnet.Proxy.Tests.Telemetry;

public sealed class PrometheusTextTests
{
    private const string Scrape = """
        # HELP x_bucket demo
        lat_bucket{a="1",le="10"} 50
        lat_bucket{a="1",le="20"} 90
        lat_bucket{a="1",le="+Inf"} 100
        lat_bucket{a="2",le="10"} 0
        lat_bucket{a="2",le="20"} 0
        lat_bucket{a="2",le="+Inf"} 0
        req_total{path="/a,b",q="say \"hi\""} 3
        up 1
        """;

    [Fact]
    public void Parse_LabelsWithCommasAndEscapes_AreRead()
    {
        var text = PrometheusText.Parse(Scrape);
        Assert.Equal(3, text.Sum("req_total", ("path", "/a,b"), ("q", "say \"hi\"")));
        Assert.Equal(1, text.Sum("up"));
    }

    [Theory]
    [InlineData(0.5, 10)]
    [InlineData(0.25, 5)]
    [InlineData(0.7, 15)]
    [InlineData(0.99, 20)]
    public void Quantile_InterpolatesInsideBucket(double q, double expected) =>
        Assert.Equal(expected, PrometheusText.Parse(Scrape).Quantile("lat", q, ("a", "1"))!.Value, 6);

    [Fact]
    public void Quantile_NoObservations_IsNull() =>
        Assert.Null(PrometheusText.Parse(Scrape).Quantile("lat", 0.5, ("a", "2")));
}
