using Linnet.Api.Telemetry;

namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>The embedded metrics source: the samples the control plane scraped from every proxy, kept in memory
/// for a bounded window (fixed-size rings per series, a bounded number of series per proxy, only the families
/// <see cref="MeshMetrics"/> reads), answering <see cref="ISeriesSource"/> questions as PromQL would over the
/// same samples (instant values look back at most <see cref="Lookback"/>, as Prometheus's do).</summary>
public sealed class EmbeddedSeriesStore : ISeriesSource
{
    /// <summary>The families kept; others in a scrape are dropped at once.</summary>
    public static readonly IReadOnlySet<string> Families = new HashSet<string>(StringComparer.Ordinal)
    {
        "request_total", "response_total", "response_latency_ms_bucket", "tcp_open_connections", "tcp_open_total",
        "outbound_http_route_request_statuses_total",
    };

    /// <summary>Prometheus's default lookback for an instant value.</summary>
    public static readonly TimeSpan Lookback = TimeSpan.FromMinutes(5);

    /// <summary>Series kept per proxy; further new series of that proxy are dropped (and counted).</summary>
    public const int MaxSeriesPerTarget = 5000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Dictionary<string, Series>> _targets = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private long _droppedSeries;

    /// <summary>Keeps <paramref name="retention"/> of samples scraped every <paramref name="interval"/>.</summary>
    public EmbeddedSeriesStore(TimeSpan retention, TimeSpan interval, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(retention, interval);
        Retention = retention;
        _time = time;
        // Enough samples to look back a whole retention from any moment, plus a scrape of slack.
        _capacity = (int)Math.Ceiling(retention / interval) + 2;
    }

    /// <summary>How far back questions can reach.</summary>
    public TimeSpan Retention { get; }

    /// <summary>Series refused because a proxy exceeded <see cref="MaxSeriesPerTarget"/>.</summary>
    public long DroppedSeries => Interlocked.Read(ref _droppedSeries);

    /// <summary>Series held now, over every proxy.</summary>
    public int SeriesCount
    {
        get
        {
            lock (_lock)
            {
                return _targets.Values.Sum(t => t.Count);
            }
        }
    }

    /// <summary>Proxies whose series are held now (scraped at least once and still known).</summary>
    public int TargetCount
    {
        get
        {
            lock (_lock)
            {
                return _targets.Count;
            }
        }
    }

    /// <summary>Records one scrape of <paramref name="target"/> taken at <paramref name="at"/>; the target's
    /// labels are added to each kept sample's.</summary>
    public void Add(ScrapeTarget target, DateTimeOffset at, IEnumerable<MetricSample> samples)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(samples);
        var ms = at.ToUnixTimeMilliseconds();
        var targetLabels = target.Labels;
        lock (_lock)
        {
            if (!_targets.TryGetValue(target.Address, out var series))
            {
                _targets[target.Address] = series = new Dictionary<string, Series>(StringComparer.Ordinal);
            }

            foreach (var sample in samples)
            {
                if (!Families.Contains(sample.Name))
                {
                    continue;
                }

                var key = SeriesKey(sample);
                if (!series.TryGetValue(key, out var s))
                {
                    if (series.Count >= MaxSeriesPerTarget)
                    {
                        _droppedSeries++;
                        continue;
                    }

                    var labels = new Dictionary<string, string>(sample.Labels, StringComparer.Ordinal);
                    foreach (var (name, value) in targetLabels)
                    {
                        labels[name] = value;
                    }

                    series[key] = s = new Series(sample.Name, labels, _capacity);
                }

                s.Add(ms, sample.Value);
            }
        }
    }

    /// <summary>Forgets the proxies not in <paramref name="current"/> (their instances are gone).</summary>
    public void Retain(IEnumerable<ScrapeTarget> current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var keep = current.Select(t => t.Address).ToHashSet(StringComparer.Ordinal);
        lock (_lock)
        {
            foreach (var address in _targets.Keys.Where(a => !keep.Contains(a)).ToList())
            {
                _targets.Remove(address);
            }
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SeriesValue>> IncreaseAsync(SeriesSelector selector, IReadOnlyList<string> groupBy, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var then = now - (long)window.TotalMilliseconds;
        return Task.FromResult<IReadOnlyList<SeriesValue>>(Aggregate(selector, groupBy, s => s.IncreaseBetween(then, now)));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SeriesValue>> LatestAsync(SeriesSelector selector, IReadOnlyList<string> groupBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return Task.FromResult<IReadOnlyList<SeriesValue>>(Aggregate(selector, groupBy, s => s.ValueAt(now)));
    }

    private List<SeriesValue> Aggregate(SeriesSelector selector, IReadOnlyList<string> groupBy, Func<Series, double?> value)
    {
        var groups = new Dictionary<string, (Dictionary<string, string> Labels, double Sum)>(StringComparer.Ordinal);
        lock (_lock)
        {
            foreach (var series in _targets.Values.SelectMany(t => t.Values))
            {
                if (series.Name != selector.Metric || !selector.Matches(series.Labels) || value(series) is not { } v)
                {
                    continue;
                }

                var key = string.Join('\u0001', groupBy.Select(g => series.Labels.GetValueOrDefault(g) ?? ""));
                if (groups.TryGetValue(key, out var group))
                {
                    groups[key] = (group.Labels, group.Sum + v);
                }
                else
                {
                    var labels = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var g in groupBy)
                    {
                        if (series.Labels.GetValueOrDefault(g) is { Length: > 0 } l)
                        {
                            labels[g] = l;
                        }
                    }

                    groups[key] = (labels, v);
                }
            }
        }

        return groups.Values.Select(g => new SeriesValue(g.Labels, g.Sum)).ToList();
    }

    private static string SeriesKey(MetricSample sample) =>
        sample.Name + "{" + string.Join(',', sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";

    // A ring of (time, value) samples, oldest first from _start.
    private sealed class Series(string name, IReadOnlyDictionary<string, string> labels, int capacity)
    {
        private readonly long[] _times = new long[capacity];
        private readonly double[] _values = new double[capacity];
        private int _start;
        private int _count;

        public string Name { get; } = name;

        public IReadOnlyDictionary<string, string> Labels { get; } = labels;

        public void Add(long ms, double value)
        {
            if (_count > 0 && ms <= _times[(_start + _count - 1) % _times.Length])
            {
                return; // out of order or a repeat: keep time moving forward
            }

            if (_count == _times.Length)
            {
                _start = (_start + 1) % _times.Length;
                _count--;
            }

            var at = (_start + _count) % _times.Length;
            _times[at] = ms;
            _values[at] = value;
            _count++;
        }

        // As PromQL's increase(): from the value at `then` (0 for a series born since) to the latest, a drop between
        // two samples being a counter reset (a restarted proxy: a canary's instance scaled down and up again keeps its
        // name and labels) that counts the new value, not a negative difference.
        public double? IncreaseBetween(long then, long now)
        {
            if (ValueAt(now) is null)
            {
                return null;
            }

            var previous = ValueAt(then) ?? 0;
            var increase = 0.0;
            for (var i = 0; i < _count; i++)
            {
                var at = (_start + i) % _times.Length;
                if (_times[at] <= then || _times[at] > now)
                {
                    continue;
                }

                var value = _values[at];
                increase += value >= previous ? value - previous : value;
                previous = value;
            }

            return increase;
        }

        // As a PromQL instant selector: the latest sample at or before `ms`, no older than the lookback.
        public double? ValueAt(long ms)
        {
            for (var i = _count - 1; i >= 0; i--)
            {
                var at = (_start + i) % _times.Length;
                if (_times[at] <= ms)
                {
                    return ms - _times[at] <= (long)Lookback.TotalMilliseconds ? _values[at] : null;
                }
            }

            return null;
        }
    }
}
