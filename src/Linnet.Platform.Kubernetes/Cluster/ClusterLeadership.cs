using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>Leader election on a <c>coordination.k8s.io/v1</c> Lease (KubernetesClient's <see cref="LeaderElector"/>):
/// every replica runs its informers, and only the one holding the lease runs the work that writes (status
/// reconcilers), stopped as soon as its renewal fails; another replica takes over once the lease expires.</summary>
public sealed partial class ClusterLeadership(IKubernetes client, LeadershipOptions options, ILogger logger)
{
    private volatile bool _leading;

    /// <summary>True while this replica holds the lease.</summary>
    public bool IsLeader => _leading;

    /// <summary>Campaigns until canceled, running <paramref name="whileLeading"/> with a token canceled when leadership
    /// ends.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> whileLeading, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(whileLeading);
        var lease = new LeaseLock(client, options.Namespace, options.LeaseName, options.Identity);
        var config = new LeaderElectionConfig(lease)
        {
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        };
        using var elector = new LeaderElector(config);
        var gate = new Lock();
        CancellationTokenSource? leading = null;
        Task work = Task.CompletedTask;
        elector.OnStartedLeading += () =>
        {
            lock (gate)
            {
                leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var token = leading.Token;
                _leading = true;
                Log.Leading(logger, options.Identity, options.LeaseName);
                work = Task.Run(() => whileLeading(token), CancellationToken.None);
            }
        };
        elector.OnStoppedLeading += () =>
        {
            lock (gate)
            {
                _leading = false;
                leading?.Cancel();
                Log.Stopped(logger, options.Identity);
            }
        };
        elector.OnNewLeader += leader => Log.NewLeader(logger, leader ?? "(none)");
        try
        {
            await elector.RunAndTryToHoldLeadershipForeverAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            Task last;
            lock (gate)
            {
                _leading = false;
                leading?.Cancel();
                last = work;
            }

            try
            {
                await last;
            }
            catch (OperationCanceledException)
            {
            }

            leading?.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Identity} leads (lease {Lease}): writing to the cluster")]
        public static partial void Leading(ILogger logger, string identity, string lease);

        [LoggerMessage(2, LogLevel.Information, "{Identity} stopped leading: no more writes")]
        public static partial void Stopped(ILogger logger, string identity);

        [LoggerMessage(3, LogLevel.Information, "The leader is {Leader}")]
        public static partial void NewLeader(ILogger logger, string leader);
    }
}
