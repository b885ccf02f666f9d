namespace Linnet.Registry.Tests.Infrastructure;

/// <summary>The system clock, recording every one-shot wait asked of it (what <c>Task.Delay(wait, time)</c> asks
/// for), so a test checks the waits a client chose rather than wall-clock gaps that a loaded machine stretches or
/// a coarse timer shortens.</summary>
internal sealed class RecordingTime : TimeProvider
{
    private readonly List<TimeSpan> _waits = [];

    public IReadOnlyList<TimeSpan> Waits
    {
        get
        {
            lock (_waits)
            {
                return [.. _waits];
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan && period == Timeout.InfiniteTimeSpan)
        {
            lock (_waits)
            {
                _waits.Add(dueTime);
            }
        }

        return System.CreateTimer(callback, state, dueTime, period);
    }
}
