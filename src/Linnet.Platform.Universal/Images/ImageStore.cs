using Linnet.Registry;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Universal.Images;

/// <summary>Pulls workload images into the data directory (<c>images/blobs</c>, content-addressed and verified)
/// and unpacks each once per image digest (<c>images/rootfs/&lt;manifest digest&gt;</c>, built in a temporary
/// directory and renamed into place, so a half-unpacked image is never run).</summary>
internal sealed partial class ImageStore : IDisposable
{
    private readonly string _root;
    private readonly BlobCache _blobs;
    private readonly RegistryClient _client;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _unpack = new(1, 1);

    public ImageStore(string root, ILogger logger, RegistryClient? client = null)
    {
        _root = root;
        _logger = logger;
        _blobs = new BlobCache(Path.Combine(root, "cache"));
        _client = client ?? new RegistryClient();
    }

    /// <summary>Pulls (what is not cached yet) and unpacks <paramref name="image"/>.</summary>
    /// <param name="image">The reference.</param>
    /// <param name="credentialsFile">A Docker config file with the registry's credentials, or null.</param>
    /// <param name="observer">Told of the pull's progress (beside the log), or null.</param>
    /// <param name="cancellationToken">Cancels the pull.</param>
    public async Task<ResolvedImage> ResolveAsync(string image, string? credentialsFile, IProgress<PullProgress>? observer, CancellationToken cancellationToken)
    {
        var reference = ImageReference.Parse(image);
        var credentials = credentialsFile is null ? null : RegistryCredentials.FromDockerConfig(credentialsFile, reference.Registry);
        Log.Pulling(_logger, image);
        var progress = new LogProgress(_logger, image, observer);
        var pulled = await _client.PullAsync(reference, credentials, _blobs, progress, cancellationToken).ConfigureAwait(false);
        var rootfs = Path.Combine(_root, "rootfs", pulled.ManifestDigest.Hex);
        await _unpack.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!Directory.Exists(rootfs))
            {
                var temporary = rootfs + ".unpacking";
                if (Directory.Exists(temporary))
                {
                    Directory.Delete(temporary, recursive: true);
                }

                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(temporary);
                }
                else
                {
                    Directory.CreateDirectory(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
                foreach (var layer in pulled.Layers)
                {
                    await LayerUnpacker.ApplyAsync(_blobs.PathOf(layer.Digest), MediaTypes.IsGzip(layer.MediaType), temporary, cancellationToken).ConfigureAwait(false);
                }

                Directory.Move(temporary, rootfs);
            }
        }
        finally
        {
            _unpack.Release();
        }

        Log.Pulled(_logger, image, pulled.Digest.ToString(), pulled.Layers.Count);
        return new ResolvedImage(image, pulled.Digest, rootfs, pulled.Config);
    }

    public void Dispose()
    {
        _client.Dispose();
        _unpack.Dispose();
    }

    private sealed class LogProgress(ILogger logger, string image, IProgress<PullProgress>? observer) : IProgress<PullProgress>
    {
        public void Report(PullProgress value)
        {
            observer?.Report(value);
            if (value.Cached)
            {
                return;
            }

            Log.Progress(logger, image, value.Digest.Hex[..12], value.Received, value.Total);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "pulling {Image}")]
        public static partial void Pulling(ILogger logger, string image);

        [LoggerMessage(2, LogLevel.Information, "pulling {Image}: layer {Layer} {Received}/{Total} bytes")]
        public static partial void Progress(ILogger logger, string image, string layer, long received, long total);

        [LoggerMessage(3, LogLevel.Information, "pulled {Image}: {Digest}, {Layers} layer(s)")]
        public static partial void Pulled(ILogger logger, string image, string digest, int layers);
    }
}
