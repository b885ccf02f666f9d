using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Universal.Images;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>Image resolution before launch: a workload's image is pulled and unpacked once per spec, and every
/// instance of that spec runs the digest it resolved to.</summary>
public sealed partial class WorkloadSupervisor
{
    private readonly Dictionary<ResourceKey, (WorkloadSpec Spec, ResolvedImage Image)> _resolvedImages = [];
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

            _images ??= new ImageStore(Path.Combine(_options.DataDirectory, "images"), _logger);
        }

        var image = await _images.ResolveAsync(spec.Image, spec.ImagePullSecretFile, token);

        // Refuse now, not at every restart, an image that names nothing to run.
        _ = ImageLaunch.Build(image, spec, new Dictionary<string, string>());
        lock (_gate)
        {
            _resolvedImages[key] = (spec, image);
        }

        return image;
    }
}
