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
    private readonly Dictionary<string, TargetSeries> _targets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private int _stringsAtLastSweep;
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
                return _targets.Values.Sum(t => t.Series.Count);
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
    /// labels are added to each kept sample's. A scrape no later than the target's last is ignored.</summary>
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
                _targets[target.Address] = series = new TargetSeries(_capacity);
            }

            if (!series.Advance(ms))
            {
                return; // out of order or a repeat: keep time moving forward
            }

            foreach (var sample in samples)
            {
                if (!Families.Contains(sample.Name))
                {
                    continue;
                }

                var key = LabelSet.Create(Intern(sample.Name), sample.Labels, targetLabels, Intern);
                if (!series.Series.TryGetValue(key, out var s))
                {
                    if (series.Series.Count >= MaxSeriesPerTarget)
                    {
                        _droppedSeries++;
                        continue;
                    }

                    series.Series[key] = s = new Series(key, _capacity);
                }

                s.Set(series.Newest, sample.Value);
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

            // Label strings of forgotten series stay interned until the pool has grown well past what was in use.
            if (_strings.Count > (2 * _stringsAtLastSweep) + 1024)
            {
                _strings.Clear();
                foreach (var labels in _targets.Values.SelectMany(t => t.Series.Keys))
                {
                    labels.InternInto(_strings);
                }

                _stringsAtLastSweep = _strings.Count;
            }
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SeriesValue>> IncreaseAsync(SeriesSelector selector, IReadOnlyList<string> groupBy, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var then = now - (long)window.TotalMilliseconds;
        return Task.FromResult<IReadOnlyList<SeriesValue>>(Aggregate(selector, groupBy, (t, s) => t.IncreaseBetween(s, then, now)));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SeriesValue>> LatestAsync(SeriesSelector selector, IReadOnlyList<string> groupBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return Task.FromResult<IReadOnlyList<SeriesValue>>(Aggregate(selector, groupBy, (t, s) => t.ValueAt(s, now)));
    }

    private List<SeriesValue> Aggregate(SeriesSelector selector, IReadOnlyList<string> groupBy, Func<TargetSeries, Series, double?> value)
    {
        var groups = new Dictionary<string, (Dictionary<string, string> Labels, double Sum)>(StringComparer.Ordinal);
        lock (_lock)
        {
            foreach (var (target, series) in _targets.Values.SelectMany(t => t.Series.Values.Select(s => (t, s))))
            {
                if (series.Labels.Name != selector.Metric || !selector.Matches(series.Labels) || value(target, series) is not { } v)
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

    private string Intern(string value)
    {
        if (_strings.TryGetValue(value, out var interned))
        {
            return interned;
        }

        _strings[value] = value;
        return value;
    }

    // One proxy's series and the one ring of scrape times they share: a series keeps only its values, at the ring's
    // indices (NaN where a scrape did not have it), oldest first from _start.
    private sealed class TargetSeries(int capacity)
    {
        private readonly long[] _times = new long[capacity];
        private int _start;
        private int _count;

        public Dictionary<LabelSet, Series> Series { get; } = [];

        // The ring index of the newest scrape.
        public int Newest => (_start + _count - 1) % _times.Length;

        // Opens a slot for a scrape at `ms` (every series absent from it until set); false when `ms` is not later
        // than the newest scrape. Series with no sample left in the ring are forgotten.
        public bool Advance(long ms)
        {
            if (_count > 0 && ms <= _times[Newest])
            {
                return false;
            }

            if (_count == _times.Length)
            {
                _start = (_start + 1) % _times.Length;
                _count--;
            }

            _count++;
            var at = Newest;
            _times[at] = ms;
            List<LabelSet>? gone = null;
            foreach (var (labels, series) in Series)
            {
                series.Values[at] = double.NaN;
                if (series.LastSet == at)
                {
                    (gone ??= []).Add(labels);
                }
            }

            foreach (var labels in gone ?? [])
            {
                Series.Remove(labels);
            }

            return true;
        }

        // As PromQL's increase(): from the value at `then` (0 for a series born since) to the latest, a drop between
        // two samples being a counter reset (a restarted proxy: a canary's instance scaled down and up again keeps its
        // name and labels) that counts the new value, not a negative difference.
        public double? IncreaseBetween(Series series, long then, long now)
        {
            if (ValueAt(series, now) is null)
            {
                return null;
            }

            var previous = ValueAt(series, then) ?? 0;
            var increase = 0.0;
            for (var i = 0; i < _count; i++)
            {
                var at = (_start + i) % _times.Length;
                var value = series.Values[at];
                if (_times[at] <= then || _times[at] > now || double.IsNaN(value))
                {
                    continue;
                }

                increase += value >= previous ? value - previous : value;
                previous = value;
            }

            return increase;
        }

        // As a PromQL instant selector: the latest sample at or before `ms`, no older than the lookback.
        public double? ValueAt(Series series, long ms)
        {
            for (var i = _count - 1; i >= 0; i--)
            {
                var at = (_start + i) % _times.Length;
                if (_times[at] <= ms && !double.IsNaN(series.Values[at]))
                {
                    return ms - _times[at] <= (long)Lookback.TotalMilliseconds ? series.Values[at] : null;
                }
            }

            return null;
        }
    }

    // A series: its labels (interned) and its values at its proxy's ring indices.
    private sealed class Series
    {
        public Series(LabelSet labels, int capacity)
        {
            Labels = labels;
            Values = new double[capacity];
            Array.Fill(Values, double.NaN);
        }

        public LabelSet Labels { get; }

        public double[] Values { get; }

        // The ring index its newest sample was written at: when that slot is reused, it has none left.
        public int LastSet { get; private set; } = -1;

        public void Set(int at, double value)
        {
            Values[at] = value;
            LastSet = at;
        }
    }
}
