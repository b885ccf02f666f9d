using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>Certificates that live 10 seconds, renewed under steady load for a minute: every request of the
/// minute is accounted for and none fails, while both proxies rotate their certificates several times.</summary>
public sealed class CertificateRotationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan HttpInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan ConnectionInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task TenSecondCertificates_SteadyLoadForAMinute_SeveralRotationsAndNoFailedRequest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ["--identity-issuance-lifetime", "10s"], ct);
        await mesh.ApplyAsync(
            Manifests.Join(
                MeshedWorkloads.Service("server"),
                // The same app as opaque TCP: every connection through it is a new mTLS handshake, made with
                // whatever certificates both proxies hold at that moment.
                MeshedWorkloads.Service("server-tcp", opaque: true).Replace("app: server-tcp", "app: server", StringComparison.Ordinal),
                MeshedWorkloads.Workload("server", "server"),
                MeshedWorkloads.Workload("client", "client")),
            ct);
        var instances = (await mesh.WaitForInstancesAsync(2, ct)).ToDictionary(i => i.Workload, i => i.Address);
        var (client, server) = (instances["client"], instances["server"]);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        var tcpPort = await MeshedWorkloads.LocalPortAsync(mesh, http, "server-tcp", ct);
        var before = await Task.WhenAll(MetricsScrape.ReadAsync(http, client, ct), MetricsScrape.ReadAsync(http, server, ct));

        // HTTP through the client's proxy (one long-lived mTLS HTTP/2 connection to the server's proxy, kept
        // across rotations) and opaque connections (a handshake each), both recorded one by one.
        var started = TimeProvider.System.GetTimestamp();
        var connections = new ConcurrentQueue<string?>();
        var scrapes = new List<(double Seconds, double ClientExpiry, double ClientRefreshes, double ServerExpiry, double ServerRefreshes)>();
        await using (var load = LoadGenerator.Start([client], HttpInterval, LoadDuration, host: "server"))
        {
            var tcpLoad = ConnectionLoopAsync(client, tcpPort, connections, ct);
            using var timer = new PeriodicTimer(ScrapeInterval);
            while (TimeProvider.System.GetElapsedTime(started) < LoadDuration && await timer.WaitForNextTickAsync(ct))
            {
                var (c, s) = (await MetricsScrape.ReadAsync(http, client, ct), await MetricsScrape.ReadAsync(http, server, ct));
                scrapes.Add((TimeProvider.System.GetElapsedTime(started).TotalSeconds, Expiry(c), Refreshes(c), Expiry(s), Refreshes(s)));
            }

            var records = await load.StopAsync();
            await tcpLoad;
            var clientTls = $"tls=\"true\",client_id=\"{MeshedWorkloads.Identity("client")}\"";
            var after = await Task.WhenAll(
                MetricsScrape.ReadAsync(http, client, ct),
                MetricsScrape.ReadWhenAsync(
                    http,
                    server,
                    m => m.Sum("response_total", "direction=\"inbound\"", clientTls) - before[1].Sum("response_total", "direction=\"inbound\"", clientTls) >= records.Count,
                    "the server proxy's count of the HTTP responses",
                    ct));

            output.WriteLine($"{records.Count} HTTP requests, {connections.Count} opaque connections; scrapes (s: client expiry/refreshes, server expiry/refreshes):");
            output.WriteLine(string.Join('\n', scrapes.Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Seconds:F1}: {x.ClientExpiry}/{x.ClientRefreshes} {x.ServerExpiry}/{x.ServerRefreshes}"))));

            // Every request and connection of the minute, none failed.
            LoadAssert.NoneFailed(records);
            var failedConnections = connections.Where(c => c is not null).ToList();
            Assert.True(failedConnections.Count == 0, $"{failedConnections.Count} of {connections.Count} opaque connections failed:\n{string.Join('\n', failedConnections.Take(20))}");
            Assert.True(records.Count >= 600, $"only {records.Count} HTTP requests in a minute");
            Assert.True(connections.Count >= 60, $"only {connections.Count} opaque connections in a minute");
            var spanned = TimeProvider.System.GetElapsedTime(records.Min(r => r.StartedAt), records.Max(r => r.StartedAt));
            Assert.True(spanned > LoadDuration - TimeSpan.FromSeconds(5), $"the requests spanned only {spanned}");

            // They crossed as mTLS, each one counted under the client's identity by the server's proxy.
            Assert.Equal(records.Count, after[1].Sum("request_total", "direction=\"inbound\"", clientTls) - before[1].Sum("request_total", "direction=\"inbound\"", clientTls));
            Assert.Equal(connections.Count, after[1].Sum("inbound_tcp_authz_allow_total", clientTls) - before[1].Sum("inbound_tcp_authz_allow_total", clientTls));

            // Both proxies rotated at least four times, each time to a certificate that expires later.
            for (var side = 0; side < 2; side++)
            {
                var name = side == 0 ? "client" : "server";
                var rotations = Refreshes(after[side]) - Refreshes(before[side]);
                Assert.True(rotations >= 4, $"the {name} proxy rotated {rotations} times in a minute");
                var expiries = scrapes.Select(x => side == 0 ? x.ClientExpiry : x.ServerExpiry).Prepend(Expiry(before[side])).Append(Expiry(after[side])).ToList();
                Assert.True(expiries.Zip(expiries.Skip(1)).All(p => p.Second >= p.First), $"the {name} proxy's expiry went backwards: {string.Join(", ", expiries)}");
                Assert.True(expiries.Distinct().Count() >= 5, $"the {name} proxy's expiry moved forward only {expiries.Distinct().Count() - 1} times: {string.Join(", ", expiries)}");
            }
        }

        await mesh.DownAsync(ct);
    }

    private static double Expiry(MetricsScrape metrics) => metrics.Value("identity_cert_expiration_timestamp_seconds") ?? 0;

    private static double Refreshes(MetricsScrape metrics) => metrics.Value("identity_cert_refresh_count") ?? 0;

    /// <summary>A new connection every <see cref="ConnectionInterval"/> for <see cref="LoadDuration"/>, each one
    /// a whole HTTP/1.1 exchange through the client's opaque per-service listener; null for a success, else why it failed.</summary>
    private static async Task ConnectionLoopAsync(string client, int port, ConcurrentQueue<string?> results, CancellationToken ct)
    {
        var started = TimeProvider.System.GetTimestamp();
        var maxCount = (int)(LoadDuration / ConnectionInterval) + 1;
        var inFlight = new List<Task>();
        using var timer = new PeriodicTimer(ConnectionInterval);
        for (var i = 0; i < maxCount && TimeProvider.System.GetElapsedTime(started) < LoadDuration && await timer.WaitForNextTickAsync(ct); i++)
        {
            inFlight.Add(Task.Run(async () => results.Enqueue(await ExchangeAsync(client, port, ct)), ct));
        }

        await Task.WhenAll(inFlight);
    }

    private static async Task<string?> ExchangeAsync(string client, int port, CancellationToken ct)
    {
        try
        {
            var (reply, reset) = await RawHttp.ExchangeAsync(client, port, "server", "/", TimeSpan.FromSeconds(10), ct);
            return reply.StartsWith("HTTP/1.1 200 OK", StringComparison.Ordinal) && reply.Contains("backend server-0", StringComparison.Ordinal) && !reset
                ? null
                : $"reply{(reset ? " (then reset)" : "")}: {(reply.Length == 0 ? "(nothing)" : reply.Split('\n')[0])}";
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return $"{ex.GetType().Name}: {ex.Message}";
        }
    }
}
