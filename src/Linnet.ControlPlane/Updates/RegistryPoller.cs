using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Updates;
using Linnet.Registry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Updates;

/// <summary>Keel's poll trigger (<c>keel.sh/trigger: poll</c>, or an ImagePolicy's <c>trigger: poll</c>): each polled
/// <see cref="ImageTarget"/> (a Workload's image, each monitored container of a Deployment)'s registry is asked, on its
/// <c>keel.sh/pollSchedule</c> (default <c>@every 1m</c>) and once when it is first seen, for only what its
/// policy needs: the tag list and the new tag's manifest digest (<c>HEAD</c>) for tag policies; the current
/// tag's digest for <c>force</c> + <c>matchTag</c>. A newer tag, or a new digest of the tag, is applied
/// pinned to that digest (<see cref="ImageUpdateApplier"/>); an unchanged digest never redeploys (keel#560,
/// #536). A registry's 429 is retried after its <c>Retry-After</c> by the client; a poll that fails is logged
/// and tried again at the next scheduled time.</summary>
internal sealed partial class RegistryPoller(IResourceStore store, ImageUpdateApplier applier, TimeProvider time, ILogger<RegistryPoller> logger) : BackgroundService
{
    // How often the store is looked at for workloads that started or stopped being polled.
    private static readonly TimeSpan Rescan = TimeSpan.FromSeconds(1);

    private readonly Dictionary<(ResourceKey Owner, string Image), Watch> _watches = [];

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var registry = new RegistryClient(timeProvider: time);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await PollDueAsync(registry, stoppingToken);
                var now = time.GetUtcNow();
                var wait = _watches.Count == 0 ? Rescan : _watches.Values.Min(w => w.Due) - now;
                await Task.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait > Rescan ? Rescan : wait, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass: polls every target (a Workload's image, a Deployment's container) whose time has come; a
    /// Deployment's containers that run one image are polled once and updated together, in one write, as Keel updates
    /// a resource. A Deployment is polled only by the replica that writes Deployments (the leader).</summary>
    internal async Task PollDueAsync(RegistryClient registry, CancellationToken cancellationToken)
    {
        var seen = new HashSet<(ResourceKey, string)>();
        var snapshot = store.Snapshot();
        var targets = ImageTargets.Of(snapshot);
        foreach (var target in targets.DistinctBy(t => (t.Owner.Key, t.Image)))
        {
            var key = (target.Owner.Key, target.Image);
            if (target.Settings is not { Updates: true, Poll: { } schedule } settings
                || (target.Owner is DeploymentResource && !applier.WritesDeployments)
                || !ImageReference.TryParse(target.Image, out var current, out _))
            {
                continue;
            }

            var policy = settings.Policy;

            seen.Add(key);
            var now = time.GetUtcNow();
            var tagged = current.WithTag(current.Tag ?? "latest").ToString();
            if (!_watches.TryGetValue(key, out var watch) || watch.Schedule != schedule.Text || watch.Image != tagged)
            {
                // New, or its schedule or tag changed: poll now, as Keel does when it starts watching.
                watch = new Watch(schedule.Text, tagged, now, _watches.TryGetValue(key, out var old) && old.Image == tagged ? old.Baseline : null);
            }

            if (watch.Due > now)
            {
                _watches[key] = watch;
                continue;
            }

            var baseline = watch.Baseline;
            try
            {
                var siblings = targets.Where(t => t.Owner.Key == target.Owner.Key && t.Image == target.Image).ToList();
                baseline = await PollAsync(registry, siblings, current, policy, baseline, cancellationToken);
            }
            catch (Exception ex) when (ex is RegistryException or HttpRequestException or IOException or InvalidOperationException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Log.PollFailed(logger, $"{target.Kind} {target.Id}", current.Registry + "/" + current.Repository, ex.Message);
            }
            catch (ConflictException)
            {
                // Changed meanwhile: the next pass plans again from the new version.
            }

            _watches[key] = watch with { Due = schedule.Next(time.GetUtcNow()), Baseline = baseline };
        }

        foreach (var gone in _watches.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _watches.Remove(gone);
        }
    }

    // Returns the digest now known for the current tag (the baseline of an image not pinned to a digest).
    private async Task<string?> PollAsync(RegistryClient registry, List<ImageTarget> targets, ImageReference current, ImageUpdatePolicy policy, string? baseline, CancellationToken cancellationToken)
    {
        var credentials = targets[0].PullSecretFile is { } file ? RegistryCredentials.FromDockerConfig(file, current.Registry) : null;
        var repository = current.Registry == ImageReference.DockerHub ? current.Repository : current.Registry + "/" + current.Repository;
        var currentTag = current.Tag ?? "latest";
        ImagePushEvent push;
        if (ImageTagRules.KeepsTag(policy))
        {
            // force + matchTag: only a new digest of the current tag.
            var digest = (await registry.GetDigestAsync(current.WithTag(currentTag), credentials, cancellationToken)).ToString();
            var known = current.Digest?.ToString() ?? baseline;
            if (known is null || known == digest)
            {
                // First sight of an unpinned tag: what it resolves to now is what runs (the supervisor resolved it).
                return digest;
            }

            push = new ImagePushEvent(repository, currentTag, digest);
        }
        else
        {
            var tags = await registry.ListTagsAsync(current, credentials, cancellationToken);
            if (ImageTagRules.SelectUpdate(policy, currentTag, tags) is not { } tag)
            {
                return baseline;
            }

            var digest = await registry.GetDigestAsync(current.WithTag(tag), credentials, cancellationToken);
            push = new ImagePushEvent(repository, tag, digest.ToString());
        }

        await applier.ApplyAsync(ImageUpdatePlanner.Plan(targets, push, store.Snapshot().OfKind<ReleaseVerdictResource>()), "poll", cancellationToken);
        return null;
    }

    private sealed record Watch(string Schedule, string Image, DateTimeOffset Due, string? Baseline);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "poll of {Target} ({Repository}) failed, tried again at its next time: {Reason}")]
        public static partial void PollFailed(ILogger logger, string target, string repository, string reason);
    }
}
