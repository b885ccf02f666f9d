using System.Globalization;
using System.Net;
using Linnet.Proxy.Authorization;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;

namespace Linnet.Proxy.Tests.Routing;

/// <summary>Routes, endpoints and inbound policy of one config version are compiled into one model and swapped
/// as one (issue 11): a reader never sees the services of one version with the policy of another.</summary>
public sealed class ProxyModelTests
{
    private const int Updates = 300;
    private const int Readers = 4;

    [Fact]
    public async Task Current_BothFlippedInOneUpdateUnderConcurrentReaders_NeverAMixedPair()
    {
        var ct = TestContext.Current.CancellationToken;
        using var provider = new VersionedProvider(Snapshot(0));
        using var table = new ServiceTable(provider, NullLogger<ServiceTable>.Instance, TimeProvider.System);
        using var writerDone = new CancellationTokenSource();
        using var readersReady = new CountdownEvent(Readers);

        var readers = Enumerable.Range(0, Readers).Select(_ => Task.Run(() =>
        {
            var seen = new HashSet<string>();
            var mixed = new List<string>();
            Check(table.Current, seen, mixed);
            readersReady.Signal();
            while (!writerDone.IsCancellationRequested)
            {
                Check(table.Current, seen, mixed);
            }

            Check(table.Current, seen, mixed);
            return (seen, mixed);
        }, ct)).ToArray();

        readersReady.Wait(ct);
        for (var version = 1; version <= Updates; version++)
        {
            provider.Publish(Snapshot(version));
        }

        await writerDone.CancelAsync();
        foreach (var (seen, mixed) in await Task.WhenAll(readers))
        {
            Assert.Empty(mixed);
            // Each reader saw the first version and the last, so it read across updates.
            Assert.Contains("v0", seen);
            Assert.Contains("v" + Updates.ToString(CultureInfo.InvariantCulture), seen);
        }
    }

    [Fact]
    public void Current_ServicesOnlyChanged_KeepsTheCompiledPolicy()
    {
        var policy = new InboundPolicyConfig(DefaultInboundPolicy.Deny, []);
        using var provider = new VersionedProvider(new ProxyConfigSnapshot("v1", [Service(1)], NoChange) { InboundPolicy = policy });
        using var table = new ServiceTable(provider, NullLogger<ServiceTable>.Instance, TimeProvider.System);
        var first = table.Current;

        provider.Publish(new ProxyConfigSnapshot("v2", [Service(2)], NoChange) { InboundPolicy = policy });

        Assert.Equal("v2", table.Current.Version);
        Assert.NotSame(first, table.Current);
        Assert.Same(first.InboundPolicy, table.Current.InboundPolicy);
    }

    private static IChangeToken NoChange => new CancellationChangeToken(CancellationToken.None);

    // A reader's view: the service "svc" of version N listens on 1000+N, and version N's policy names the
    // server on that port "srv-N"; a model mixing versions finds no server of its own version for its port.
    private static void Check(ProxyModel model, HashSet<string> seen, List<string> mixed)
    {
        seen.Add(model.Version);
        var service = model.Find("svc", null);
        var decision = model.InboundPolicy.Evaluate(service!.Config.Port, null, IPAddress.Loopback);
        var expected = "srv-" + (service.Config.Port - 1000).ToString(CultureInfo.InvariantCulture);
        if (decision.Server.Name != expected || model.Version != "v" + (service.Config.Port - 1000).ToString(CultureInfo.InvariantCulture))
        {
            mixed.Add($"{model.Version}: service port {service.Config.Port}, policy server {decision.Server.Name}");
        }
    }

    private static ServiceConfig Service(int version) =>
        new("svc", [], 1000 + version, ServiceProtocol.Detect, null, [new EndpointConfig("127.0.0.1", 9)]);

    private static ProxyConfigSnapshot Snapshot(int version) =>
        new("v" + version.ToString(CultureInfo.InvariantCulture), [Service(version)], NoChange)
        {
            InboundPolicy = new InboundPolicyConfig(DefaultInboundPolicy.Deny,
                [new InboundServerConfig("srv-" + version.ToString(CultureInfo.InvariantCulture), [1000 + version], DefaultInboundPolicy.Deny, [])]),
        };

    /// <summary>Publishes snapshots; subscribers hear of each synchronously, on the publishing thread.</summary>
    private sealed class VersionedProvider(ProxyConfigSnapshot first) : IProxyConfigProvider, IDisposable
    {
        private CancellationTokenSource _changed = new();
        private ProxyConfigSnapshot? _snapshot;

        public ProxyConfigSnapshot GetConfig() => _snapshot ??= first with { ChangeToken = new CancellationChangeToken(_changed.Token) };

        public void Publish(ProxyConfigSnapshot snapshot)
        {
            var previous = _changed;
            _changed = new CancellationTokenSource();
            _snapshot = snapshot with { ChangeToken = new CancellationChangeToken(_changed.Token) };
            previous.Cancel();
            previous.Dispose();
        }

        public void Dispose() => _changed.Dispose();
    }
}
