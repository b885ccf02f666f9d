namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>Polls an observable condition until it holds, within a bound.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>Returns once <paramref name="condition"/> is true; throws <see cref="TimeoutException"/>
    /// naming <paramref name="what"/> (and <paramref name="describe"/>'s account of the last state) after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken, Func<string>? describe = null)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"{what}: not within {timeout}.{(describe is null ? "" : "\n" + describe())}");
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }

    /// <inheritdoc cref="UntilAsync(Func{Task{bool}}, TimeSpan, string, CancellationToken, Func{string})"/>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken, Func<string>? describe = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what, cancellationToken, describe);
}
