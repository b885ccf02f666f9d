using k8s;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>The Kubernetes platform as one hosted service: an informer per watched type fills the control plane's
/// store through <see cref="ClusterMirror"/> on every replica, and one keeps the Namespaces' annotations
/// (<see cref="ClusterNamespaces"/>, for the proxy injector); the replica holding the Lease also runs the status
/// writer (<see cref="ClusterRouteStatusWriter"/>) and the records' writer (<see cref="ClusterRecordWriter"/>), once
/// every informer has listed, so that it never writes from a partial view.</summary>
public sealed class KubernetesPlatformService(IKubernetes client, ClusterMirror mirror, ClusterNamespaces namespaces, KubernetesPlatformOptions options, TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    private readonly ClusterApi _api = new(client);

    /// <summary>The informers, one per type.</summary>
    public IReadOnlyList<ClusterInformer> Informers { get; private set; } = [];

    /// <summary>The leader election of this replica.</summary>
    public ClusterLeadership Leadership { get; } = new(client, options.Leadership, loggers.CreateLogger<ClusterLeadership>());

    /// <summary>The status writer (it writes only while this replica leads).</summary>
    public ClusterRouteStatusWriter StatusWriter { get; } = new(mirror, new ClusterApi(client), time, loggers.CreateLogger<ClusterRouteStatusWriter>());

    /// <summary>The writer of Linnet's records (approvals, release verdicts) to the cluster (it writes only while this
    /// replica leads).</summary>
    public ClusterRecordWriter RecordWriter { get; } = new(mirror, new ClusterApi(client), time, loggers.CreateLogger<ClusterRecordWriter>());

    /// <summary>Completes when every informer has listed once.</summary>
    public Task Synced => Task.WhenAll(Informers.Select(i => i.Synced));

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var logger = loggers.CreateLogger<ClusterInformer>();
        Informers =
        [
            .. options.Types.Select(t => new ClusterInformer(_api, t, mirror, time, logger) { ResyncPeriod = options.ResyncPeriod }),
            new ClusterInformer(_api, WatchedType.Namespaces, namespaces, time, logger) { ResyncPeriod = options.ResyncPeriod },
        ];
        var running = Informers.Select(i => Task.Run(() => i.RunAsync(stoppingToken), CancellationToken.None)).ToList();
        try
        {
            await Synced.WaitAsync(stoppingToken);
            mirror.OwnsRecords = () => Leadership.IsLeader;
            running.Add(Leadership.RunAsync(token => Task.WhenAll(StatusWriter.RunAsync(token), RecordWriter.RunAsync(token)), stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(running);
    }
}
