using Linnet.Api.Telemetry;
using Linnet.ControlPlane.Core.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.ControlPlane.Core.Tests.Metrics;

/// <summary>The embedded store answers as PromQL over the same samples: increase = latest − value a window ago
/// (0 for a series born since), instant values look back at most 5 minutes, memory stays bounded.</summary>
public sealed class EmbeddedSeriesStoreTests
{
    private static readonly ScrapeTarget Web = new("shop", "web", "web-0", "127.0.0.5:4191", "web", true);
    private static readonly ScrapeTarget Api = new("shop", "api", "api-0", "127.0.0.6:4191", "api", true);

    private static MetricSample Sample(string name, double value, params (string, string)[] labels) =>
        new(name, labels.ToDictionary(l => l.Item1, l => l.Item2), value);

    private static readonly SeriesSelector InboundResponses = new("response_total", [new("direction", "inbound")]);

    [Fact]
    public async Task IncreaseAsync_CounterOverWindow_LatestMinusValueWindowAgo()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var store = new EmbeddedSeriesStore(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(5), time);
        for (var i = 0; i <= 24; i++)
        {
            // 10 requests every 5 s: 100 at 0 s, 340 at 120 s.
            if (i > 0)
            {
                time.Advance(TimeSpan.FromSeconds(5));
            }

            store.Add(Web, time.GetUtcNow(), [Sample("response_total", 100 + (10 * i), ("direction", "inbound"), ("classification", "success"))]);
        }

        var result = await store.IncreaseAsync(InboundResponses, ["namespace", "deployment"], TimeSpan.FromMinutes(1), CancellationToken.None);

        var value = Assert.Single(result);
        Assert.Equal(120, value.Value); // 340 now − 220 sixty seconds ago
        Assert.Equal("shop", value.Label("namespace"));
        Assert.Equal("web", value.Label("deployment"));
    }

    [Fact]
    public async Task IncreaseAsync_SeriesBornInsideWindow_CountsFromZero()
    {
        var time = new FakeTimeProvider();
        var store = new EmbeddedSeriesStore(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(5), time);
        store.Add(Web, time.GetUtcNow(), [Sample("response_total", 7, ("direction", "inbound"))]);
        time.Advance(TimeSpan.FromSeconds(5));
        store.Add(Web, time.GetUtcNow(), [Sample("response_total", 9, ("direction", "inbound"))]);

        var result = await store.IncreaseAsync(InboundResponses, [], TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal(9, Assert.Single(result).Value);
    }

    [Fact]
    public async Task IncreaseAsync_CounterResetInsideWindow_CountsTheNewValueAsPromQLDoes()
    {
        // A canary's instance scaled to 0 and up again: same pod name and labels, its counter starts over.
        var time = new FakeTimeProvider();
        var store = new EmbeddedSeriesStore(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(1), time);
        foreach (var value in new[] { 120.0, 125, 0, 3, 8 })
        {
            store.Add(Web, time.GetUtcNow(), [Sample("response_total", value, ("direction", "inbound"))]);
            time.Advance(TimeSpan.FromSeconds(2));
        }

        // Window of the last 7 s: samples at -8 s (125, the baseline), -6 s (0: reset), -4 s (3), -2 s (8).
        var result = await store.IncreaseAsync(InboundResponses, [], TimeSpan.FromSeconds(7), CancellationToken.None);

        // PromQL's increase over 125 → 0 → 3 → 8: 0 + 3 + 5 = 8 requests (not 8 − 125).
        Assert.Equal(8, Assert.Single(result).Value);
    }

    [Fact]
    public async Task IncreaseAsync_GroupsAndMatchers_SumPerGroupOnlySelected()
    {
        var time = new FakeTimeProvider();
        var store = new EmbeddedSeriesStore(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(5), time);
        store.Add(Web, time.GetUtcNow(), [
            Sample("response_total", 3, ("direction", "inbound"), ("classification", "success")),
            Sample("response_total", 1, ("direction", "inbound"), ("classification", "failure")),
            Sample("response_total", 50, ("direction", "outbound"), ("classification", "success")),
        ]);
        store.Add(Api, time.GetUtcNow(), [Sample("response_total", 4, ("direction", "inbound"), ("classification", "success"))]);

        var result = await store.IncreaseAsync(InboundResponses, ["deployment", "classification"], TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal(
            ["api/success=4", "web/failure=1", "web/success=3"],
            result.Select(v => $"{v.Label("deployment")}/{v.Label("classification")}={v.Value}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task LatestAsync_SampleOlderThanLookback_Absent()
    {
        var time = new FakeTimeProvider();
        var store = new EmbeddedSeriesStore(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(5), time);
        var gauge = new SeriesSelector("tcp_open_connections", []);
        store.Add(Web, time.GetUtcNow(), [Sample("tcp_open_connections", 3)]);

        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(3, Assert.Single(await store.LatestAsync(gauge, [], CancellationToken.None)).Value);
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(await store.LatestAsync(gauge, [], CancellationToken.None));
    }

    [Fact]
    public void Add_UnreadFamiliesAndTooManySeries_NotKept()
    {
        var time = new FakeTimeProvider();
        var store = new EmbeddedSeriesStore(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), time);
        var samples = Enumerable.Range(0, EmbeddedSeriesStore.MaxSeriesPerTarget + 10)
            .Select(i => Sample("response_total", 1, ("authority", $"a{i}:80")))
            .Append(Sample("process_cpu_seconds_total", 1));

        store.Add(Web, time.GetUtcNow(), samples);

        Assert.Equal(EmbeddedSeriesStore.MaxSeriesPerTarget, store.SeriesCount);
        Assert.Equal(10, store.DroppedSeries);
    }

    [Fact]
    public async Task Add_SeriesMissingFromScrapes_AnswersFromItsLastSampleWithinLookbackAsPromQL()
    {
        // One ring of scrape times per proxy: a series absent from some scrapes still has its own samples.
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var store = new EmbeddedSeriesStore(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(5), time);
        var steady = ("authority", "a:80");
        var flaky = ("authority", "b:80");
        store.Add(Web, time.GetUtcNow(), [Sample("response_total", 10, ("direction", "inbound"), steady), Sample("response_total", 5, ("direction", "inbound"), flaky)]);
        for (var i = 1; i <= 6; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
            // b:80 is in the third scrape only: 5 → 9.
            store.Add(Web, time.GetUtcNow(), [Sample("response_total", 10 + i, ("direction", "inbound"), steady), .. i == 3 ? [Sample("response_total", 9, ("direction", "inbound"), flaky)] : Array.Empty<MetricSample>()]);
        }

        var increase = await store.IncreaseAsync(InboundResponses, ["authority"], TimeSpan.FromSeconds(25), CancellationToken.None);
        Assert.Equal(5, increase.Single(v => v.Label("authority") == "a:80").Value); // 16 − 11
        Assert.Equal(4, increase.Single(v => v.Label("authority") == "b:80").Value); // 9 now (15 s old) − 5 at 25 s ago
        var latest = await store.LatestAsync(InboundResponses, ["authority"], CancellationToken.None);
        Assert.Equal(9, latest.Single(v => v.Label("authority") == "b:80").Value);
    }

    [Fact]
    public void Add_SeriesGoneForLongerThanTheRing_Forgotten()
    {
        var time = new FakeTimeProvider();
        var store = new EmbeddedSeriesStore(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), time); // 14 scrapes kept
        store.Add(Web, time.GetUtcNow(), [Sample("response_total", 1, ("authority", "gone:80")), Sample("response_total", 1, ("authority", "kept:80"))]);
        for (var i = 1; i <= 13; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
            store.Add(Web, time.GetUtcNow(), [Sample("response_total", 1 + i, ("authority", "kept:80"))]);
        }

        Assert.Equal(2, store.SeriesCount); // its one sample is still in the ring

        time.Advance(TimeSpan.FromSeconds(5));
        store.Add(Web, time.GetUtcNow(), [Sample("response_total", 20, ("authority", "kept:80"))]);

        Assert.Equal(1, store.SeriesCount);
    }

    [Fact]
    public void Add_ScrapeNotLaterThanTheLast_Ignored()
    {
        var time = new FakeTimeProvider();
        var store = new EmbeddedSeriesStore(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), time);
        var at = time.GetUtcNow();
        store.Add(Web, at, [Sample("response_total", 7, ("direction", "inbound"))]);
        store.Add(Web, at, [Sample("response_total", 1, ("direction", "inbound")), Sample("response_total", 1, ("direction", "outbound"))]);

        Assert.Equal(1, store.SeriesCount);
    }

    [Fact]
    public async Task Retain_TargetGone_ItsSeriesForgotten()
    {
        var time = new FakeTimeProvider();
        var store = new EmbeddedSeriesStore(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(5), time);
        store.Add(Web, time.GetUtcNow(), [Sample("response_total", 3, ("direction", "inbound"))]);
        store.Add(Api, time.GetUtcNow(), [Sample("response_total", 4, ("direction", "inbound"))]);

        store.Retain([Api]);

        Assert.Equal(4, Assert.Single(await store.IncreaseAsync(InboundResponses, [], TimeSpan.FromMinutes(1), CancellationToken.None)).Value);
    }
}
