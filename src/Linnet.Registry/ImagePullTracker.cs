namespace Linnet.Registry;

/// <summary>Adds the image's totals (layers done of all, bytes of all layers) to each blob's progress before passing
/// it on: what a person watching a pull wants to see.</summary>
internal sealed class ImagePullTracker : IProgress<PullProgress>
{
    private readonly IProgress<PullProgress> _inner;
    private readonly Dictionary<ContentDigest, long> _sizes = [];
    private readonly Dictionary<ContentDigest, long> _received = [];
    private readonly HashSet<ContentDigest> _done = [];
    private readonly long _total;

    public ImagePullTracker(IReadOnlyList<Descriptor> layers, IProgress<PullProgress> inner)
    {
        _inner = inner;
        foreach (var layer in layers)
        {
            // A layer listed twice is downloaded once.
            if (_sizes.TryAdd(layer.Digest, layer.Size))
            {
                _total += layer.Size;
            }
        }
    }

    public void Report(PullProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        long received;
        int done;
        lock (_received)
        {
            if (_sizes.TryGetValue(value.Digest, out var size))
            {
                _received[value.Digest] = value.Received;
                if (value.Cached || value.Received == size)
                {
                    _done.Add(value.Digest);
                }
            }

            received = _received.Values.Sum();
            done = _done.Count;
        }

        _inner.Report(value with { LayersDone = done, Layers = _sizes.Count, LayerBytesReceived = received, LayerBytes = _total });
    }
}
