using System.Globalization;
using Linnet.Cli.Api;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.Cli.Commands.Demo;

/// <summary>The demo's releases: Flagger's Canary for the backend (<c>demo/canary.yaml</c>), then backend v2 (good:
/// promoted step by step) and v3 (30 % errors: rolled back), applied through the API as a user would, with each of
/// the canary's events as a line as it happens. <see cref="Lines"/> is safe to read while it runs.</summary>
internal sealed class DemoRollout(ControlPlaneClient client, IResourceStore store, string directory, TimeProvider time)
{
    private static readonly TimeSpan StageTimeout = TimeSpan.FromMinutes(5);
    private readonly List<string> _lines = [];
    private readonly long _started = time.GetTimestamp();
    // The events already printed: those before _lastEvent, and those at it (one step's events share its time).
    private readonly HashSet<string> _printedAtLast = new(StringComparer.Ordinal);
    private DateTimeOffset _lastEvent = DateTimeOffset.MinValue;

    /// <summary>Every line so far, oldest first.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The canary's state in one line, or null before there is a canary.</summary>
    public string? State => store.Find(Key) is CanaryResource { Status: { Phase.Length: > 0 } s }
        ? $"backend: {s.Phase}, canary weight {s.CanaryWeight.ToString(CultureInfo.InvariantCulture)} %, failed checks {s.FailedChecks.ToString(CultureInfo.InvariantCulture)}"
        : null;

    private static ResourceKey Key => new(CanaryResource.KindName, "default", "backend");

    /// <summary>Runs the three releases; returns when v3 is rolled back, a stage fails or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!await StageAsync("canary.yaml", "A Canary for backend (flagger.app/v1beta1): backend-primary takes the traffic, backend waits for a new version", CanaryPhases.Initialized, cancellationToken)
                || !await StageAsync("backend-v2.yaml", "Release backend v2 (good): the canary gets 20 % more traffic each step while its success rate passes", CanaryPhases.Succeeded, cancellationToken)
                || !await StageAsync("backend-v3.yaml", "Release backend v3 (fails 30 % of its requests): the checks fail, and after 3 failed checks it is rolled back", CanaryPhases.Failed, cancellationToken))
            {
                return;
            }

            Add("Done: v2 serves all traffic; v3 was rolled back. `linnet describe canary backend` shows the events.");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (HttpRequestException ex)
        {
            Add($"the control plane did not answer: {ex.Message}");
        }
    }

    private async Task<bool> StageAsync(string file, string title, string phase, CancellationToken cancellationToken)
    {
        Add($"── {title}");
        var manifest = await File.ReadAllTextAsync(Path.Combine(directory, file), cancellationToken);
        var applied = await client.ApplyAsync(manifest, file, cancellationToken);
        if (!applied.IsSuccess)
        {
            Add($"{file} was refused: {applied.Body?.ToJsonString() ?? applied.Status.ToString()}");
            return false;
        }

        // The revision the canary must reach the phase with: the target's spec as just applied.
        var revision = store.Revision;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StageTimeout);
        try
        {
            if (Reached(phase))
            {
                return true;
            }

            await foreach (var _ in store.WatchAsync(revision, timeout.Token))
            {
                if (Reached(phase))
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Add($"backend did not reach {phase} within {StageTimeout.TotalMinutes:0} minutes; see `linnet describe canary backend`");
        }

        return false;
    }

    // Prints the canary's new events and says whether it reached the phase for the target's current spec (a phase
    // left over from the previous release does not count).
    private bool Reached(string phase)
    {
        if (store.Find(Key) is not CanaryResource canary)
        {
            return false;
        }

        foreach (var e in canary.Status.Events.Where(e => e.At >= _lastEvent))
        {
            if (e.At > _lastEvent)
            {
                _lastEvent = e.At;
                _printedAtLast.Clear();
            }

            if (_printedAtLast.Add(e.Message))
            {
                Add((e.Type == "Warning" ? "! " : "  ") + e.Message);
            }
        }

        var target = store.Find(new ResourceKey(WorkloadResource.KindName, "default", "backend")) as WorkloadResource;
        return canary.Status.Phase == phase && target is not null && canary.Status.LastAppliedSpec == CanaryObjects.SpecHash(target);
    }

    private void Add(string line)
    {
        var at = time.GetElapsedTime(_started);
        lock (_lines)
        {
            _lines.Add($"{at.TotalSeconds,5:0}s  {line}");
        }
    }
}
