using System.Net;
using Grpc.Core;
using Linnet.Api.Destination.V1;
using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Translation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using DestinationApi = Linnet.Api.Destination.V1.Destination;

namespace Linnet.ControlPlane.Destination;

/// <summary>The Destination API: a full snapshot when a proxy subscribes, then, for every batch of store
/// commits, only the services that changed and the keys that are gone. A subscriber gets at most one update
/// per <see cref="ControlPlaneOptions.UpdateInterval"/>; the first change after a quiet spell goes at once.</summary>
internal sealed partial class DestinationService(
    IResourceStore store,
    MeshViewCache views,
    ConfigUpdateFactory updates,
    InboundPolicyCache policies,
    ProxyRegistry registry,
    ControlPlaneOptions options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<DestinationService> logger) : DestinationApi.DestinationBase, IDisposable
{
    /// <summary>The namespace of a subscriber that names none.</summary>
    public const string DefaultNamespace = "default";

    // Initial snapshots built and written at once. Each is the whole mesh (about 1.5 MB at 10,000 endpoints) and
    // stays in Kestrel's pinned write buffers, twice over with TLS (plaintext and records), until the stream
    // drains: a hundred proxies subscribing together (a control-plane restart) held a hundred copies, 155 MB
    // that the pool kept afterwards. Queued subscribers wait no longer in all: the work is CPU-bound either way.
    private const int SnapshotsAtOnce = 4;

    private readonly SemaphoreSlim _snapshots = new(SnapshotsAtOnce);

    public void Dispose() => _snapshots.Dispose();

    public override async Task Subscribe(SubscribeRequest request, IServerStreamWriter<ConfigUpdate> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);

        // Streams end when the client goes or the control plane stops, whichever comes first.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var ct = stop.Token;
        var ns = request.Namespace.Length > 0 ? request.Namespace : DefaultNamespace;
        var peer = PeerIdentity(context);
        if (SubscriberCheck.Refusal(store.Snapshot(), peer, options.TrustDomain, ns, request.Workload, request.Instance) is { } refusal)
        {
            Log.Refused(logger, ns, request.Workload, request.Instance, RemoteAddress(context), refusal);
            throw new RpcException(new Status(peer is null ? StatusCode.Unauthenticated : StatusCode.PermissionDenied, refusal));
        }

        var proxy = registry.Add(ns, request.Workload, request.Instance, RemoteAddress(context));
        Log.Subscribed(logger, ns, request.Workload, request.Instance, proxy.RemoteAddress);
        try
        {
            while (true)
            {
                MeshView view;
                long sentAt;
                InboundPolicy policy;
                await _snapshots.WaitAsync(ct);
                try
                {
                    view = views.Current();
                    sentAt = time.GetTimestamp();
                    policy = policies.For(ns, request.Workload, request.Instance, view);
                    await SendAsync(proxy, responseStream, PolicyProtoMapper.WithPolicy(updates.Snapshot(view, ns), policy), ct);
                }
                finally
                {
                    _snapshots.Release();
                }

                try
                {
                    await FollowAsync(proxy, ns, view, sentAt, responseStream, (request, policy, peer), ct);
                    return;
                }
                catch (RevisionCompactedException ex)
                {
                    // The history between the snapshot and now is gone: start over from a fresh snapshot.
                    Log.Resnapshot(logger, ns, request.Workload, request.Instance, ex.Message);
                }
            }
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The proxy went away or the control plane is stopping (a write may fail either way).
        }
        finally
        {
            registry.Remove(proxy);
            Log.Unsubscribed(logger, ns, request.Workload, request.Instance, proxy.Version);
        }
    }

    private async Task FollowAsync(ConnectedProxy proxy, string ns, MeshView sent, long lastSent, IServerStreamWriter<ConfigUpdate> stream, (SubscribeRequest Who, InboundPolicy Sent, SpiffeId? Peer) policy, CancellationToken ct)
    {
        // Send times are taken before each write: once a proxy holds an update, its clock has started.
        await foreach (var change in store.WatchAsync(sent.Revision, ct))
        {
            // Events of commits already covered by the last view sent (it was taken at the store's revision
            // when it was built, which may be past the event that woke us).
            if (change.Revision <= sent.Revision)
            {
                continue;
            }

            var wait = options.UpdateInterval - time.GetElapsedTime(lastSent);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, ct);
            }

            var next = views.Current();
            if (SubscriberCheck.Refusal(store.Snapshot(), policy.Peer, options.TrustDomain, ns, policy.Who.Workload, policy.Who.Instance) is { } refusal)
            {
                Log.Refused(logger, ns, policy.Who.Workload, policy.Who.Instance, proxy.RemoteAddress, refusal);
                throw new RpcException(new Status(StatusCode.PermissionDenied, refusal));
            }

            lastSent = time.GetTimestamp();
            var update = updates.Delta(sent, next, ns);
            if (policies.For(ns, policy.Who.Workload, policy.Who.Instance, next) is var nextPolicy && !nextPolicy.Equals(policy.Sent))
            {
                update = PolicyProtoMapper.WithPolicy(update, nextPolicy);
                policy.Sent = nextPolicy;
            }

            await SendAsync(proxy, stream, update, ct);
            sent = next;
        }
    }

    private static Task SendAsync(ConnectedProxy proxy, IServerStreamWriter<ConfigUpdate> stream, ConfigUpdate update, CancellationToken ct)
    {
        proxy.Sent(update.Version);
        return stream.WriteAsync(update, ct);
    }

    private static SpiffeId? PeerIdentity(ServerCallContext context) =>
        context.GetHttpContext().Connection.ClientCertificate is { } certificate && SpiffeId.TryFromCertificate(certificate, out var id) ? id : null;

    private static string RemoteAddress(ServerCallContext context)
    {
        var connection = context.GetHttpContext().Connection;
        return connection.RemoteIpAddress is { } ip ? new IPEndPoint(ip, connection.RemotePort).ToString() : context.Peer;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "proxy {Namespace}/{Workload}/{Instance} subscribed from {Remote}")]
        public static partial void Subscribed(ILogger logger, string @namespace, string workload, string instance, string remote);

        [LoggerMessage(2, LogLevel.Debug, "proxy {Namespace}/{Workload}/{Instance} unsubscribed at version {Version}")]
        public static partial void Unsubscribed(ILogger logger, string @namespace, string workload, string instance, string version);

        [LoggerMessage(4, LogLevel.Warning, "refused a subscription as {Namespace}/{Workload}/{Instance} from {Remote}: {Reason}")]
        public static partial void Refused(ILogger logger, string @namespace, string workload, string instance, string remote, string reason);

        [LoggerMessage(3, LogLevel.Warning, "proxy {Namespace}/{Workload}/{Instance} fell behind the store's history ({Reason}); sending a fresh snapshot")]
        public static partial void Resnapshot(ILogger logger, string @namespace, string workload, string instance, string reason);
    }
}
