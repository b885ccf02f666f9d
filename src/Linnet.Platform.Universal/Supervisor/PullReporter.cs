using Linnet.ControlPlane.Core.Resources;
using Linnet.Registry;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>Keeps the latest state of one image pull, as the registry client reports it, and signals each change:
/// the supervisor writes what it holds when it gets to it, so a burst of reports costs one write.</summary>
internal sealed class PullReporter(string image) : IProgress<PullProgress>
{
    private readonly object _gate = new();
    private ImagePull _current = new(image, 0, 0, 0, 0);
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The pull as last reported.</summary>
    public ImagePull Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Completes at the next report that changes <see cref="Current"/>.</summary>
    public Task NextChange
    {
        get
        {
            lock (_gate)
            {
                return _next.Task;
            }
        }
    }

    public void Report(PullProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Layers == 0)
        {
            // Not counted against the image's layers (no manifest read yet): nothing a person can follow.
            return;
        }

        TaskCompletionSource signal;
        lock (_gate)
        {
            var next = _current with { LayersDone = value.LayersDone, Layers = value.Layers, BytesDone = value.LayerBytesReceived, BytesTotal = value.LayerBytes };
            if (next == _current)
            {
                return;
            }

            _current = next;
            signal = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
    }
}
