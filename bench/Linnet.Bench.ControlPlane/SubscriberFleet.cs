using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Linnet.Api.Destination.V1;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.ControlPlane;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Bench.ControlPlane;

/// <summary>Simulated proxies: N <c>Destination.Subscribe</c> streams spread over a few HTTP/2 connections, each
/// made as a proxy makes its own (TLS 1.3 to the control plane's verified identity, a certificate from Certify
/// presented as the client certificate)
/// (one <see cref="GrpcChannel"/> and handler per connection, at most <see cref="MaxStreamsPerConnection"/>
/// streams each: Kestrel's default limit is 100 concurrent streams per connection, left as it is). Each
/// stream records when every update arrived (right after the message is read and parsed).</summary>
internal sealed class SubscriberFleet : IAsyncDisposable
{
    public const int MaxStreamsPerConnection = 50;

    private static int s_fleets;

    private readonly GrpcChannel[] _channels;
    private readonly List<CertificateRenewalService> _renewals = [];
    private readonly int _fleet = Interlocked.Increment(ref s_fleets);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _readers = [];
    private readonly long[] _started;
    private readonly long[] _snapshotAt;
    private readonly long[] _snapshotBytes;
    private readonly long[] _latest;
    private readonly long[] _firstAt;
    private long _target = long.MaxValue;
    private int _reached;
    private int _snapshots;
    private int _failures;
    private string? _firstFailure;
    private TaskCompletionSource _allReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _allSnapshots = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SubscriberFleet(int count, int connections)
    {
        Count = count;
        _channels = new GrpcChannel[connections];
        _started = new long[count];
        _snapshotAt = new long[count];
        _snapshotBytes = new long[count];
        _latest = new long[count];
        _firstAt = new long[count];
    }

    /// <summary>Connection <paramref name="c"/> as a proxy makes it: a workload token from the control plane's
    /// token API, a certificate for it from <c>Certify</c> through the proxy's own renewal service (TLS, the
    /// control plane's identity verified), then the proxy's own TLS client for Destination, presenting that
    /// certificate.</summary>
    private async Task ConnectChannelAsync(ControlPlaneProcess cp, string workDir, int c, CancellationToken ct)
    {
        var serviceAccount = string.Create(CultureInfo.InvariantCulture, $"sub-{_fleet}-{c}");
        var tokenPath = Path.Combine(workDir, serviceAccount + ".token");
        var name = await cp.CreateTokenAsync(serviceAccount, tokenPath, ct);
        var bootstrap = new BootstrapConfig
        {
            Workload = new WorkloadInfo(Mesh.Namespace, serviceAccount, serviceAccount + "-0"),
            ControlPlaneAddress = cp.GrpcAddress,
            Identity = new IdentityBootstrapConfig { Name = name, TrustAnchorsPem = cp.TrustAnchorsPem, TokenPath = tokenPath },
        };
        var identity = new ProxyIdentity(true);
        var metrics = new IdentityMetrics();
        var renewal = new CertificateRenewalService(bootstrap, identity, metrics, TimeProvider.System, NullLogger<CertificateRenewalService>.Instance);
        _renewals.Add(renewal);
        await renewal.StartAsync(ct);
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            wait.CancelAfter(TimeSpan.FromSeconds(30));
            try
            {
                await identity.WhenReadyAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"subscriber connection {c}: no certificate from Certify within 30 s: {renewal.LastFailure}");
            }
        }

        var handler = new ControlPlaneTls(bootstrap, metrics, TimeProvider.System, NullLogger.Instance).CreateHandler("destination", identity);
        handler.EnableMultipleHttp2Connections = false;
        handler.PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan;
        _channels[c] = GrpcChannel.ForAddress($"https://{cp.GrpcAddress}", new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 256 * 1024 * 1024,
            DisposeHttpClient = true,
        });
    }

    public int Count { get; }

    public int Connections => _channels.Length;

    /// <summary>Streams that failed or ended (each is a problem: none should during a run).</summary>
    public int Failures => Volatile.Read(ref _failures);

    public string? FirstFailure => Volatile.Read(ref _firstFailure);

    /// <summary>Opens <paramref name="count"/> streams (subscriber i on connection i mod connections) and
    /// waits until each has its snapshot.</summary>
    public static async Task<SubscriberFleet> ConnectAsync(ControlPlaneProcess cp, string workDir, int count, TimeSpan timeout, CancellationToken ct)
    {
        var fleet = new SubscriberFleet(count, (count + MaxStreamsPerConnection - 1) / MaxStreamsPerConnection);
        try
        {
            for (var c = 0; c < fleet._channels.Length; c++)
            {
                await fleet.ConnectChannelAsync(cp, workDir, c, ct);
            }

            for (var i = 0; i < count; i++)
            {
                fleet.Open(i);
            }

            await fleet.WaitSnapshotsAsync(timeout, ct);
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>Per subscriber: the time from starting the call to holding its snapshot, in ms.</summary>
    public IReadOnlyList<double> SnapshotMs() =>
        Enumerable.Range(0, Count).Select(i => Ms(_snapshotAt[i] - _started[i])).ToList();

    /// <summary>Size of the first subscriber's snapshot message in bytes.</summary>
    public long SnapshotBytes => _snapshotBytes[0];

    /// <summary>Arms the fleet for <paramref name="revision"/>: call before the apply that makes it.</summary>
    public void Expect(long revision)
    {
        Array.Clear(_firstAt);
        Volatile.Write(ref _reached, 0);
        Volatile.Write(ref _allReached, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        // Subscribers already there (cannot happen when only the benchmark writes) count at once.
        Interlocked.Exchange(ref _target, revision);
        var now = Stopwatch.GetTimestamp();
        for (var i = 0; i < Count; i++)
        {
            if (Volatile.Read(ref _latest[i]) >= revision)
            {
                Reach(i, now);
            }
        }
    }

    /// <summary>Waits (bounded) until every subscriber holds the armed revision; returns each one's
    /// receive timestamp (0 for those that did not get it in time).</summary>
    public async Task<long[]> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            await Volatile.Read(ref _allReached).Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
        }

        Interlocked.Exchange(ref _target, long.MaxValue);
        return (long[])_firstAt.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_readers).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine("subscribers: some streams did not end within 10 s");
        }

        foreach (var channel in _channels)
        {
            channel?.Dispose();
        }

        foreach (var renewal in _renewals)
        {
            await renewal.StopAsync(CancellationToken.None);
            renewal.Dispose();
        }

        _stop.Dispose();
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private void Open(int i)
    {
        var client = new Destination.DestinationClient(_channels[i % _channels.Length]);
        var request = new SubscribeRequest
        {
            Namespace = Mesh.Namespace,
            Workload = string.Create(CultureInfo.InvariantCulture, $"sub-{i}"),
            Instance = string.Create(CultureInfo.InvariantCulture, $"sub-{i}-0"),
        };
        _started[i] = Stopwatch.GetTimestamp();
        var call = client.Subscribe(request, cancellationToken: _stop.Token);
        _readers.Add(ReadAsync(i, call));
    }

    private async Task ReadAsync(int i, AsyncServerStreamingCall<ConfigUpdate> call)
    {
        try
        {
            using (call)
            {
                // Bounded by the stream itself: it ends when the fleet is disposed.
                while (await call.ResponseStream.MoveNext(_stop.Token))
                {
                    var at = Stopwatch.GetTimestamp();
                    var update = call.ResponseStream.Current;
                    var revision = long.Parse(update.Version, CultureInfo.InvariantCulture);
                    if (update.Snapshot && _snapshotAt[i] == 0)
                    {
                        _snapshotAt[i] = at;
                        _snapshotBytes[i] = update.CalculateSize();
                        if (Interlocked.Increment(ref _snapshots) == Count)
                        {
                            _allSnapshots.TrySetResult();
                        }
                    }

                    Volatile.Write(ref _latest[i], revision);
                    if (revision >= Volatile.Read(ref _target))
                    {
                        Reach(i, at);
                    }
                }
            }

            Fail(i, "stream ended");
        }
        catch (RpcException ex) when (_stop.IsCancellationRequested && ex.StatusCode == StatusCode.Cancelled)
        {
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (RpcException ex)
        {
            Fail(i, $"{ex.StatusCode}: {ex.Status.Detail}");
        }
    }

    private void Reach(int i, long at)
    {
        if (Interlocked.CompareExchange(ref _firstAt[i], at, 0) == 0 && Interlocked.Increment(ref _reached) == Count)
        {
            Volatile.Read(ref _allReached).TrySetResult();
        }
    }

    private void Fail(int i, string reason)
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        Interlocked.Increment(ref _failures);
        Interlocked.CompareExchange(ref _firstFailure, string.Create(CultureInfo.InvariantCulture, $"subscriber {i}: {reason}"), null);
        _allSnapshots.TrySetException(new InvalidOperationException($"subscriber {i}: {reason}"));
    }

    private async Task WaitSnapshotsAsync(TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            await _allSnapshots.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"only {Volatile.Read(ref _snapshots)} of {Count} subscribers got their snapshot within {timeout.TotalSeconds} s"));
        }
    }
}
