using Linnet.Api.Telemetry;
using Linnet.ControlPlane.Core.Metrics;
using Linnet.ControlPlane.Core.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Metrics;

/// <summary>The embedded metrics source's scraper: every <see cref="MetricsOptions.ScrapeInterval"/> it scrapes
/// the <c>/metrics</c> of every proxy the store knows (a bounded number at once, each with a timeout) into the
/// <see cref="EmbeddedSeriesStore"/>, and forgets proxies whose instances are gone.</summary>
internal sealed partial class ProxyScraper(IResourceStore store, EmbeddedSeriesStore series, MetricsOptions options, TimeProvider time, ILogger<ProxyScraper> logger) : BackgroundService
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
    {
        MaxResponseContentBufferSize = 8 * 1024 * 1024,
    };

    private long _scrapes;
    private long _failures;

    /// <summary>Scrapes done (successful or not).</summary>
    public long Scrapes => Interlocked.Read(ref _scrapes);

    /// <summary>Scrapes that failed (unreachable, timeout, bad text).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ScrapeInterval, time);
        do
        {
            await ScrapeAllAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One round over every known proxy.</summary>
    internal async Task ScrapeAllAsync(CancellationToken cancellationToken)
    {
        var targets = ScrapeTargets.From(store.Snapshot());
        series.Retain(targets);
        await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = options.ScrapeConcurrency, CancellationToken = cancellationToken }, async (target, ct) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.ScrapeTimeout);
            try
            {
                var text = await Http.GetStringAsync(new Uri($"http://{target.Address}/metrics"), timeout.Token);
                series.Add(target, time.GetUtcNow(), PrometheusText.Parse(text).Samples);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or FormatException or ArgumentException or IndexOutOfRangeException && !ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failures);
                Log.ScrapeFailed(logger, target.Address, target.Pod, ex.Message);
            }
            finally
            {
                Interlocked.Increment(ref _scrapes);
            }
        });
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "scrape of proxy {Address} ({Pod}) failed: {Reason}")]
        public static partial void ScrapeFailed(ILogger logger, string address, string pod, string reason);
    }
}
