using Microsoft.Extensions.Time.Testing;

namespace Linnet.ControlPlane.Tests.Infrastructure;

/// <summary>A fake clock that tells when code starts waiting on it, so a test can advance time only once the
/// wait it means to end exists (advancing earlier would leave a timer created afterwards pending forever).</summary>
internal sealed class TimerWatchingTimeProvider : FakeTimeProvider
{
    private readonly Lock _lock = new();
    private TaskCompletionSource<TimeSpan> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes, with its due time, when the next timer is created.</summary>
    public Task<TimeSpan> NextTimer
    {
        get
        {
            lock (_lock)
            {
                return _next.Task;
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        TaskCompletionSource<TimeSpan> created;
        lock (_lock)
        {
            created = _next;
            _next = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        created.TrySetResult(dueTime);
        return timer;
    }
}
