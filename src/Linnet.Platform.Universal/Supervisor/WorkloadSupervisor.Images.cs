using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Universal.Images;
using Linnet.Registry;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>Image resolution before launch: a workload's image is pulled and unpacked once per spec, and every
/// instance of that spec runs the digest it resolved to.</summary>
public sealed partial class WorkloadSupervisor
{
    private static readonly TimeSpan MaxPullBackoff = TimeSpan.FromMinutes(5);
    private readonly Dictionary<ResourceKey, (WorkloadSpec Spec, ResolvedImage Image)> _resolvedImages = [];
    private readonly Dictionary<ResourceKey, (WorkloadSpec Spec, int Failures, long NotBefore)> _pullFailures = [];
    private ImageStore? _images;

    private async Task<ResolvedImage?> ResolveImageAsync(ResourceKey key, WorkloadSpec spec, CancellationToken token)
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
            image = await _images.ResolveAsync(spec.Image, spec.ImagePullSecretFile, token);

            // Refuse now, not at every restart, an image that names nothing to run.
            _ = ImageLaunch.Build(image, spec, new Dictionary<string, string>());
        }
        catch (Exception ex) when (ex is RegistryException or IOException or InvalidDataException or InvalidOperationException or HttpRequestException or FormatException)
        {
            lock (_gate)
            {
                var failures = _pullFailures.TryGetValue(key, out var previous) && SameRun(previous.Spec, spec) ? previous.Failures + 1 : 1;
                var delay = TimeSpan.FromSeconds(Math.Min(MaxPullBackoff.TotalSeconds, Math.Pow(2, failures - 1)));
                _pullFailures[key] = (spec, failures, _time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency));
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
