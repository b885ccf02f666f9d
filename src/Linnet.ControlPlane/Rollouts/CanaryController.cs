using Linnet.ControlPlane.Admission;
using Linnet.ControlPlane.Core.Metrics;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.ControlPlane.Core.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Rollouts;

/// <summary>Drives every Canary: once per <c>analysis.interval</c> it observes the target and primary
/// (instances ready, and the metrics when the step analyses), asks the pure <see cref="CanaryStateMachine"/> for
/// the next step, and commits the status and the step's writes in one commit, guarded by the versions it read
/// (a concurrent apply wins and the step runs again on the next tick). Nothing is kept in memory but when each
/// canary is due, so a restarted control plane resumes from the stored status. On a cluster (an
/// <see cref="ICanaryClusterWriter"/> registered) the store is a mirror: only the replica holding the lease steps, the
/// target and primary are the mirrored Deployments, and each step goes to the API server instead of the store.</summary>
internal sealed partial class CanaryController(
    IResourceStore store,
    IMeshMetrics metrics,
    MetricTemplateQuery templates,
    LocalPortAdmission admission,
    CanaryWebhookClient hooks,
    CanaryAlerter alerter,
    Metrics.MetricsOptions metricsOptions,
    TimeProvider time,
    ILogger<CanaryController> logger,
    ICanaryClusterWriter? cluster = null) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private readonly Dictionary<ResourceKey, DateTimeOffset> _due = [];

    /// <summary>Steps every canary that is due; returns how many stepped.</summary>
    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        if (cluster is { CanWrite: false })
        {
            // Not the leader: the one that is steps every canary; this replica's view is only a mirror.
            _due.Clear();
            _lookDue.Clear();
            return 0;
        }

        var snapshot = store.Snapshot();
        var now = time.GetUtcNow();
        var stepped = 0;
        var present = new HashSet<ResourceKey>();
        foreach (var canary in snapshot.OfKind<CanaryResource>())
        {
            present.Add(canary.Key);
            // A manual command (linnet canary …) is a whole step at the next tick, not at the next interval.
            // So is a deletion with revertOnDeletion (phase Terminating): the target is scaled up at once.
            var lookOnly = _due.TryGetValue(canary.Key, out var due) && now < due && canary.Status.Command?.Outcome != CanaryCommands.Pending && canary.Status.Phase != CanaryPhases.Terminating;
            if (lookOnly && !IsLookDue(canary, now))
            {
                continue;
            }

            if (!lookOnly)
            {
                _due[canary.Key] = now + canary.Spec.Analysis.Interval;
            }

            _lookDue[canary.Key] = now + LookInterval(canary);
            try
            {
                await StepAsync(snapshot, canary, now, lookOnly, cancellationToken);
                stepped++;
            }
            catch (ConflictException ex)
            {
                // Something changed under us; the next tick observes it.
                Log.Conflict(logger, canary.Key.ToString(), ex.Message);
            }
            catch (Exception ex) when (ex is HttpRequestException or TimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Log.MetricsFailed(logger, canary.Key.ToString(), ex.Message);
            }
            catch (CanaryWriteException ex)
            {
                // The API server refused a write (not a conflict): nothing more of the step was written; tried again next interval.
                Log.Refused(logger, canary.Key.ToString(), ex.Message);
            }
        }

        foreach (var gone in _due.Keys.Where(k => !present.Contains(k)).ToList())
        {
            _due.Remove(gone);
            _lookDue.Remove(gone);
        }

        return stepped;
    }

    private async Task StepAsync(StoreSnapshot snapshot, CanaryResource canary, DateTimeOffset now, bool lookOnly, CancellationToken cancellationToken)
    {
        var ns = canary.Metadata.Namespace;
        var workloads = cluster?.Observe(snapshot, canary) ?? Observe(snapshot, canary);
        var values = new Dictionary<string, double?>(StringComparer.Ordinal);
        if (CanaryStateMachine.NeedsMetrics(canary))
        {
            var workload = new WorkloadRef(ns, CanaryStateMachine.MetricsWorkload(canary));
            foreach (var metric in canary.Spec.Analysis.Metrics)
            {
                values[metric.Name] = metric.Name switch
                {
                    // Flagger's Linkerd query: non-failure responses / all responses × 100, inbound, over the interval.
                    CanaryMetric.RequestSuccessRate => (await metrics.InboundAsync(workload, metric.Interval, cancellationToken)).SuccessRate * 100,
                    // histogram_quantile(0.99, … response_latency_ms_bucket …), milliseconds.
                    CanaryMetric.RequestDuration => await metrics.InboundLatencyQuantileAsync(workload, 0.99, metric.Interval, cancellationToken),
                    // A MetricTemplate's query against its provider (Flagger's custom metrics).
                    _ => await templates.RunAsync(snapshot, canary, metric, workload.Name, cancellationToken),
                };
            }
        }

        var standby = cluster is null ? snapshot.Resources.GetValueOrDefault(new ResourceKey(WorkloadResource.KindName, ns, CanaryStandbyObjects.WorkloadName(canary))) as WorkloadResource : null;
        var observation = new CanaryObservation(now, workloads.Target, workloads.Primary, workloads.TargetReady, workloads.PrimaryReady, values)
        {
            Standby = standby,
            StandbyReady = ReadyCount(snapshot, standby),
            JudgeWindow = await JudgeWindowAsync(canary, now, cancellationToken),
            JudgePrimaryHistory = await JudgePrimaryHistoryAsync(canary, cancellationToken),
            LookOnly = lookOnly,
        };
        var step = await DecideAsync(canary, observation, cancellationToken);
        if (cluster is not null)
        {
            // The same step, written to the API server: its objects first, then the status (conditional on the Canary's
            // resourceVersion), so a restart that finds the old status decides the same step again and rewrites the same
            // objects, neither repeating nor skipping one.
            if (await cluster.WriteAsync(canary, step, cancellationToken))
            {
                Log.SteppedOnCluster(logger, canary.Key.ToString(), step.Status.Phase, step.Status.CanaryWeight, step.Status.FailedChecks);
                await AnnounceAsync(canary with { Status = step.Status }, step, cancellationToken);
            }

            return;
        }

        var admitted = admission.Admit(snapshot, step.Writes);
        if (admitted.Error is { } refusal)
        {
            Log.Refused(logger, canary.Key.ToString(), refusal);
            return;
        }

        var writes = admitted.Resources;

        var changes = new List<StoreChange>();
        foreach (var write in writes)
        {
            var existing = snapshot.Resources.GetValueOrDefault(write.Key);
            var resource = (write, existing) switch
            {
                (HttpRouteResource r, HttpRouteResource old) => r with { Status = old.Status },
                _ => write,
            };
            if (existing is not null && existing.ContentEquals(resource))
            {
                continue;
            }

            changes.Add(new PutChange(resource) { ExpectedVersion = existing?.Metadata.ResourceVersion ?? 0 });
        }

        foreach (var key in step.Deletes)
        {
            if (snapshot.Resources.GetValueOrDefault(key) is { } existing)
            {
                changes.Add(new DeleteChange(key) { ExpectedVersion = existing.Metadata.ResourceVersion });
            }
        }

        if (changes.Count == 0 && step.Status.Equals(canary.Status) && !step.DeletesCanary)
        {
            return;
        }

        changes.Add(step.DeletesCanary
            ? new DeleteChange(canary.Key) { ExpectedVersion = canary.Metadata.ResourceVersion }
            : new PutChange(canary with { Status = step.Status }) { ExpectedVersion = canary.Metadata.ResourceVersion });
        var committed = await store.CommitAsync(changes, cancellationToken);
        Log.Stepped(logger, canary.Key.ToString(), step.Status.Phase, step.Status.CanaryWeight, step.Status.FailedChecks, committed.Revision);
        await AnnounceAsync(canary with { Status = step.Status }, step, cancellationToken);
    }

    private static CanaryWorkloads Observe(StoreSnapshot snapshot, CanaryResource canary)
    {
        var ns = canary.Metadata.Namespace;
        var target = snapshot.Resources.GetValueOrDefault(new ResourceKey(WorkloadResource.KindName, ns, canary.Spec.TargetName)) as WorkloadResource;
        var primary = snapshot.Resources.GetValueOrDefault(new ResourceKey(WorkloadResource.KindName, ns, CanaryObjects.PrimaryName(canary))) as WorkloadResource;
        return new CanaryWorkloads(target, primary, ReadyCount(snapshot, target), ReadyCount(snapshot, primary));
    }

    // Ready instances that run the workload's current spec: Flagger waits for a Deployment's updated replicas, and
    // an instance still running the previous spec (a spec change the supervisor has not restarted it for yet) must
    // not let the analysis start, nor a promotion route traffic to a primary still on the old version.
    private static int ReadyCount(StoreSnapshot snapshot, WorkloadResource? workload)
    {
        if (workload is null)
        {
            return 0;
        }

        var hash = WorkloadSpecHash.Of(workload.Spec);
        return snapshot.OfKind<InstanceResource>().Count(i => i.Metadata.Namespace == workload.Metadata.Namespace && i.Spec.Workload == workload.Metadata.Name && i.Spec.IsReadyAt(hash));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, time);
        do
        {
            try
            {
                await ReconcileAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One bad step must not stop the host (a BackgroundService that throws does): log it, try again
                // at the next tick.
                Log.Failed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Canary {Canary}: {Phase}, weight {Weight}, failed checks {FailedChecks} (revision {Revision})")]
        public static partial void Stepped(ILogger logger, string canary, string phase, int weight, int failedChecks, long revision);

        [LoggerMessage(2, LogLevel.Debug, "Canary {Canary} step deferred: {Reason}")]
        public static partial void Conflict(ILogger logger, string canary, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Canary {Canary}: metrics could not be read, step skipped: {Reason}")]
        public static partial void MetricsFailed(ILogger logger, string canary, string reason);

        [LoggerMessage(5, LogLevel.Error, "Canary step failed; retrying at the next tick")]
        public static partial void Failed(ILogger logger, Exception exception);

        [LoggerMessage(6, LogLevel.Information, "Canary {Canary}: {Phase}, weight {Weight}, failed checks {FailedChecks} (written to the cluster)")]
        public static partial void SteppedOnCluster(ILogger logger, string canary, string phase, int weight, int failedChecks);

        [LoggerMessage(4, LogLevel.Warning, "Canary {Canary}: its services could not be admitted: {Reason}")]
        public static partial void Refused(ILogger logger, string canary, string reason);
    }
}
