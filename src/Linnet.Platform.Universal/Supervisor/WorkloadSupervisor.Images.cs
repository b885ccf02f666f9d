using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Universal.Images;
using Linnet.Registry;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>Image resolution before launch: a workload's image is pulled and unpacked once per spec, and every
/// instance of that spec runs the digest it resolved to. While a pull goes on, its progress is on the workload's
/// Instances (<see cref="InstanceSpec.Pull"/>): the running ones it will replace, and a not-ready placeholder, with no
/// address yet, for each replica that waits for its first start.</summary>
public sealed partial class WorkloadSupervisor
{
    private static readonly TimeSpan MaxPullBackoff = TimeSpan.FromMinutes(5);

    // While bytes flow, the Instances are written at most this often (each write reaches every proxy's watch).
    private static readonly TimeSpan PullPublishInterval = TimeSpan.FromMilliseconds(250);
    private readonly Dictionary<ResourceKey, (WorkloadSpec Spec, ResolvedImage Image)> _resolvedImages = [];
    private readonly Dictionary<ResourceKey, (WorkloadSpec Spec, int Failures, long NotBefore, string Reason)> _pullFailures = [];
    private ImageStore? _images;

    /// <summary>Resolves the workload's image (null without one), publishing the pull's progress on its Instances
    /// while it goes on, its completion, or why it failed.</summary>
    private async Task<ResolvedImage?> ResolveWithProgressAsync(ResourceKey key, WorkloadResource workload, SortedDictionary<int, InstanceRunner> runners, CancellationToken token)
    {
        if (workload.Spec.Image is not { } name || IsResolved(key, workload.Spec))
        {
            return await ResolveImageAsync(key, workload.Spec, null, token);
        }

        var reporter = new PullReporter(name);
        var resolving = ResolveImageAsync(key, workload.Spec, reporter, token);
        try
        {
            // Waiting out a failure's backoff: no attempt starts, so the failure stays what the Instances say.
            while (!BackingOff(key, workload.Spec))
            {
                var changed = reporter.NextChange;
                await PublishPullAsync(workload, runners, reporter.Current, token);
                if (await Task.WhenAny(resolving, changed) == resolving)
                {
                    break;
                }

                await Task.WhenAny(resolving, Task.Delay(PullPublishInterval, _time, token));
            }

            var image = await resolving;
            await PublishPullAsync(workload, runners, reporter.Current, token);
            return image;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
        {
            string reason;
            lock (_gate)
            {
                reason = _pullFailures.TryGetValue(key, out var failed) ? $"{failed.Reason} (attempt {failed.Failures}; retried with backoff)" : ex.Message;
            }

            await PublishPullAsync(workload, runners, reporter.Current with { Error = reason }, token);
            throw;
        }
    }

    private bool BackingOff(ResourceKey key, WorkloadSpec spec)
    {
        lock (_gate)
        {
            return _pullFailures.TryGetValue(key, out var failed) && SameRun(failed.Spec, spec) && _time.GetTimestamp() < failed.NotBefore;
        }
    }

    private bool IsResolved(ResourceKey key, WorkloadSpec spec)
    {
        lock (_gate)
        {
            return _resolvedImages.TryGetValue(key, out var known) && SameRun(known.Spec, spec);
        }
    }

    /// <summary>Writes <paramref name="pull"/> on every Instance of the workload's replicas that waits for it: a
    /// running one keeps its state and gains the pull; a replica not started yet gets a placeholder.</summary>
    private async Task PublishPullAsync(WorkloadResource workload, SortedDictionary<int, InstanceRunner> runners, ImagePull pull, CancellationToken token)
    {
        var snapshot = _store.Snapshot();
        var changes = new List<StoreChange>();
        for (var index = 0; index < workload.Spec.Replicas; index++)
        {
            InstanceResource resource;
            if (runners.TryGetValue(index, out var runner))
            {
                var current = ToResource(workload, runner);
                resource = current with { Spec = current.Spec with { Pull = pull } };
            }
            else
            {
                var instance = new InstanceKey(workload.Metadata.Namespace, workload.Metadata.Name, index);
                resource = new InstanceResource
                {
                    Metadata = new ObjectMeta { Name = instance.Name, Namespace = instance.Namespace, Labels = workload.Metadata.Labels },
                    Spec = new InstanceSpec(instance.Workload, "", workload.Spec.ServiceAccount, workload.Spec.Ports, ProxyInboundPort, ProxyAdminPort, Ready: false, workload.Spec.Version)
                    {
                        Image = workload.Spec.Image,
                        Pull = pull,
                    },
                };
            }

            if (snapshot.Resources.GetValueOrDefault(resource.Key) is InstanceResource existing && existing.Spec.Equals(resource.Spec))
            {
                continue;
            }

            changes.Add(new PutChange(resource));
        }

        if (changes.Count > 0)
        {
            await _store.CommitAsync(changes, token);
        }
    }

    /// <summary>Removes the placeholders of replicas that will not start: the workload is gone or has fewer
    /// replicas now.</summary>
    private async Task RemovePlaceholdersAsync(ResourceKey key, int desired, CancellationToken token)
    {
        var wanted = Enumerable.Range(0, desired).Select(i => new InstanceKey(key.Namespace, key.Name, i).Name).ToHashSet(StringComparer.Ordinal);
        var stale = _store.Snapshot().OfKind<InstanceResource>()
            .Where(i => i.Metadata.Namespace == key.Namespace && i.Spec.Workload == key.Name && i.Spec.Address.Length == 0 && !wanted.Contains(i.Metadata.Name))
            .Select(i => (StoreChange)new DeleteChange(i.Key))
            .ToList();
        if (stale.Count > 0)
        {
            await _store.CommitAsync(stale, token);
        }
    }

    private async Task<ResolvedImage?> ResolveImageAsync(ResourceKey key, WorkloadSpec spec, IProgress<PullProgress>? progress, CancellationToken token)
    {
        if (spec.Image is null)
        {
            return null;
        }

        lock (_gate)
        {
            if (_resolvedImages.TryGetValue(key, out var known) && SameRun(known.Spec, spec))
            {
                return known.Image;
            }

            // A failed pull is not retried at the reconcile loop's pace: the registry sees 1 s, 2 s, 4 s ... 5 min.
            if (_pullFailures.TryGetValue(key, out var failed) && SameRun(failed.Spec, spec) && _time.GetTimestamp() < failed.NotBefore)
            {
                throw new InvalidOperationException($"pulling {spec.Image} failed {failed.Failures} time(s); next attempt in {_time.GetElapsedTime(_time.GetTimestamp(), failed.NotBefore).TotalSeconds:0}s");
            }

            _images ??= new ImageStore(Path.Combine(_options.DataDirectory, "images"), _logger);
        }

        ResolvedImage image;
        try
        {
            image = await _images.ResolveAsync(spec.Image, spec.ImagePullSecretFile, progress, token);

            // Refuse now, not at every restart, an image that names nothing to run.
            _ = ImageLaunch.Build(image, spec, new Dictionary<string, string>());
        }
        catch (Exception ex) when (ex is RegistryException or IOException or InvalidDataException or InvalidOperationException or HttpRequestException or FormatException)
        {
            lock (_gate)
            {
                var failures = _pullFailures.TryGetValue(key, out var previous) && SameRun(previous.Spec, spec) ? previous.Failures + 1 : 1;
                var delay = TimeSpan.FromSeconds(Math.Min(MaxPullBackoff.TotalSeconds, Math.Pow(2, failures - 1)));
                _pullFailures[key] = (spec, failures, _time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency), ex.Message);
            }

            throw;
        }

        lock (_gate)
        {
            _pullFailures.Remove(key);
            _resolvedImages[key] = (spec, image);
        }

        return image;
    }
}
