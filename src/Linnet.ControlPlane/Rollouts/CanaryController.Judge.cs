using Linnet.ControlPlane.Core.Judge;
using Linnet.ControlPlane.Core.Metrics;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;

namespace Linnet.ControlPlane.Rollouts;

/// <summary>The sequential judge's looks (docs/canary-judge.md): while its analysis is under way the judge
/// looks at every scrape, not only once per interval (validity does not depend on how often it looks, and
/// each look can roll back a harmful canary sooner), and each look reads both sides' counts over exactly the
/// window since the last committed look (<c>status.judge.lookedAt</c>): a look that was not committed is
/// read again, one that was is never read twice.</summary>
internal sealed partial class CanaryController
{
    private readonly Dictionary<ResourceKey, DateTimeOffset> _lookDue = [];

    // Between steps, a sequential analysis under way looks at every scrape.
    private bool IsLookDue(CanaryResource canary, DateTimeOffset now) =>
        CanaryStateMachine.NeedsJudgeCounts(canary) && (!_lookDue.TryGetValue(canary.Key, out var due) || now >= due);

    private TimeSpan LookInterval(CanaryResource canary) =>
        metricsOptions.ScrapeInterval < canary.Spec.Analysis.Interval ? metricsOptions.ScrapeInterval : canary.Spec.Analysis.Interval;

    // Both sides' inbound counts since the last committed look, over the same window; null when not judging.
    private async Task<JudgeInput?> JudgeWindowAsync(CanaryResource canary, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!CanaryStateMachine.NeedsJudgeCounts(canary))
        {
            return null;
        }

        // Without a stored look (an analysis started before the judge was selected) the window is one interval.
        // Beyond the metrics' retention nothing is left to read: that evidence is lost, never invented.
        var window = canary.Status.Judge is { } judge ? now - judge.LookedAt : canary.Spec.Analysis.Interval;
        if (window > metricsOptions.Retention)
        {
            window = metricsOptions.Retention;
        }

        if (window <= TimeSpan.Zero)
        {
            return new JudgeInput(SideCounts.Empty, SideCounts.Empty);
        }

        var ns = canary.Metadata.Namespace;
        var primary = await metrics.InboundCountsAsync(new WorkloadRef(ns, CanaryObjects.PrimaryName(canary)), window, cancellationToken);
        var target = await metrics.InboundCountsAsync(new WorkloadRef(ns, canary.Spec.TargetName), window, cancellationToken);
        return new JudgeInput(primary, target);
    }

    // While the judge's latency bound is not placed, the primary's counts over the metrics' whole retention: its
    // traffic before the analysis (and since), so that the bound is placed at the first look from the primary's
    // own recent p99 rather than after it has served enough responses within the analysis (minutes at low
    // traffic, while the canary's weight rises). Used only to place the bound, never as evidence.
    private async Task<SideCounts?> JudgePrimaryHistoryAsync(CanaryResource canary, CancellationToken cancellationToken)
    {
        if (!CanaryStateMachine.NeedsJudgeCounts(canary) || canary.Status.Judge is { State.LatencyBoundIndex: >= 0 })
        {
            return null;
        }

        return await metrics.InboundCountsAsync(new WorkloadRef(canary.Metadata.Namespace, CanaryObjects.PrimaryName(canary)), metricsOptions.Retention, cancellationToken);
    }
}
