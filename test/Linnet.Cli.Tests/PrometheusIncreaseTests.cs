using Linnet.Api.Telemetry;

namespace Linnet.Cli.Tests;

/// <summary>The demo's figures over a recent window are increases between two scrapes, as PromQL's
/// <c>increase()</c> defines them: a counter that went down was reset, so its whole value is the increase.</summary>
public sealed class PrometheusIncreaseTests
{
    [Fact]
    public void Since_CountersGrew_IncreaseOfEachSeries()
    {
        var before = PrometheusText.Parse("response_total{direction=\"inbound\",classification=\"success\"} 10\nresponse_total{direction=\"inbound\",classification=\"failure\"} 1\n");
        var now = PrometheusText.Parse("response_total{classification=\"success\",direction=\"inbound\"} 25\nresponse_total{direction=\"inbound\",classification=\"failure\"} 1\nresponse_total{direction=\"outbound\",classification=\"success\"} 4\n");

        var increase = now.Since(before);

        Assert.Equal(15, increase.Sum("response_total", ("direction", "inbound"), ("classification", "success")));
        Assert.Equal(0, increase.Sum("response_total", ("direction", "inbound"), ("classification", "failure")));
        Assert.Equal(4, increase.Sum("response_total", ("direction", "outbound")));
    }

    [Fact]
    public void Since_CounterReset_WholeCurrentValueIsTheIncrease()
    {
        var before = PrometheusText.Parse("request_total{direction=\"inbound\"} 500\n");
        var now = PrometheusText.Parse("request_total{direction=\"inbound\"} 7\n");

        Assert.Equal(7, now.Since(before).Sum("request_total"));
    }

    [Fact]
    public void Since_HistogramBuckets_QuantileOfTheWindowOnly()
    {
        // Before: 100 slow requests (all in the 1000 ms bucket). Since then: 10 fast ones (all under 10 ms).
        var before = PrometheusText.Parse("response_latency_ms_bucket{le=\"10\"} 0\nresponse_latency_ms_bucket{le=\"1000\"} 100\nresponse_latency_ms_bucket{le=\"+Inf\"} 100\n");
        var now = PrometheusText.Parse("response_latency_ms_bucket{le=\"10\"} 10\nresponse_latency_ms_bucket{le=\"1000\"} 110\nresponse_latency_ms_bucket{le=\"+Inf\"} 110\n");

        var p99 = now.Since(before).Quantile("response_latency_ms", 0.99);

        // histogram_quantile over the window's 10 requests, all in (0, 10]: 0.99 * 10 ms interpolated = 9.9 ms.
        Assert.Equal(9.9, p99!.Value, 3);
    }
}
