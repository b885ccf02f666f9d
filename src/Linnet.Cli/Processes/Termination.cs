using System.Runtime.InteropServices;

namespace Linnet.Cli.Processes;

/// <summary>How a long-running command (<c>demo</c>, <c>up --foreground</c>, <c>control-plane</c>) is asked to
/// stop: the first SIGINT (Ctrl-C), SIGTERM or SIGQUIT cancels <see cref="Stopping"/> (stop every instance
/// in order, within the drain timeout); a second one cancels <see cref="Forcing"/> too (SIGKILL to whatever
/// still runs, at once). The runtime's default (exit at once, leaving children behind) never happens.</summary>
/// <remarks>Children run in sessions of their own (see the supervisor's <c>ManagedProcess</c>), so a terminal's
/// Ctrl-C, sent to its whole foreground process group, reaches only this process.</remarks>
internal sealed class Termination : IDisposable
{
    private readonly CancellationTokenSource _stopping;
    private readonly CancellationTokenSource _forcing = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly Action<PosixSignal>? _onFirst;
    private int _signals;

    /// <summary>Starts listening; <paramref name="cancellationToken"/> (the command's own) also stops.
    /// <paramref name="onFirst"/> runs on the first signal (to say that a second one forces).</summary>
    public Termination(CancellationToken cancellationToken, Action<PosixSignal>? onFirst = null)
    {
        _stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _onFirst = onFirst;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Handle),
        ];
    }

    /// <summary>Canceled by the first signal: stop gracefully.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Canceled by the second signal: kill what still runs, now.</summary>
    public CancellationToken Forcing => _forcing.Token;

    /// <summary>The first signal received, null while none was.</summary>
    public PosixSignal? Signal { get; private set; }

    /// <summary>The conventional exit code after a signal (128 + its number), or <paramref name="otherwise"/>.</summary>
    public int ExitCode(int otherwise) => Signal switch
    {
        PosixSignal.SIGINT => 130,
        PosixSignal.SIGTERM => 143,
        PosixSignal.SIGQUIT => 131,
        _ => otherwise,
    };

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stopping.Dispose();
        _forcing.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Increment(ref _signals) == 1)
        {
            Signal = context.Signal;
            _onFirst?.Invoke(context.Signal);
            _stopping.Cancel();
        }
        else
        {
            _forcing.Cancel();
        }
    }
}
