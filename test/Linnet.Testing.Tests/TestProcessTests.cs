namespace Linnet.Testing.Tests;

public sealed class TestProcessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StopAsync_ProcessHandlesSigterm_ExitsGracefully()
    {
        await using var process = await TestProcess.StartAsync(
            "/bin/sh",
            ["-c", "trap 'echo got-term; exit 7' TERM; echo \"ready $GREETING\"; while true; do sleep 0.05; done"],
            new Dictionary<string, string?> { ["GREETING"] = "hi" },
            cancellationToken: Ct);

        await process.WaitForOutputAsync("ready hi", TimeSpan.FromSeconds(5), Ct);
        var exitCode = await process.StopAsync(TimeSpan.FromSeconds(5), Ct);

        Assert.Equal(7, exitCode);
        Assert.Contains("got-term", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_ProcessIgnoresSigterm_IsKilled()
    {
        await using var process = await TestProcess.StartAsync(
            "/bin/sh",
            ["-c", "trap '' TERM; echo ready; while true; do sleep 0.05; done"],
            cancellationToken: Ct);
        await process.WaitForOutputAsync("ready", TimeSpan.FromSeconds(5), Ct);

        var exitCode = await process.StopAsync(TimeSpan.FromMilliseconds(300), Ct);

        Assert.Equal(137, exitCode);
    }

    [Fact]
    public async Task WaitForOutputAsync_ProcessExitsFirst_ThrowsWithOutput()
    {
        await using var process = await TestProcess.StartAsync("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => process.WaitForOutputAsync("never", TimeSpan.FromSeconds(5), Ct));

        Assert.Contains("code 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("err", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, process.ExitCode);
    }

    [Fact]
    public async Task WaitForOutputAsync_NoMatchInTime_ThrowsTimeout()
    {
        await using var process = await TestProcess.StartAsync("/bin/sh", ["-c", "echo started; exec sleep 30"], cancellationToken: Ct);
        await process.WaitForOutputAsync("started", TimeSpan.FromSeconds(5), Ct);

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => process.WaitForOutputAsync("never", TimeSpan.FromMilliseconds(200), Ct));

        Assert.Contains("started", ex.Message, StringComparison.Ordinal);
    }
}
