namespace Linnet.Proxy.Tests.ControlPlane;

/// <summary>Waits, bounded, for a condition that another component makes true asynchronously (a config
/// update taking effect, a reconnect), re-checking it at a short interval.</summary>
internal static class Eventually
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    public static Task WaitAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        WaitAsync(() => Task.FromResult(condition()), what, timeout);

    public static async Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var ct = TestContext.Current.CancellationToken;
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (!await condition())
        {
            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out waiting for: {what}");
            }

            await Task.Delay(Interval, ct);
        }
    }
}
