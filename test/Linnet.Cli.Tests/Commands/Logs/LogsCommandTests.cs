using Linnet.Testing;

namespace Linnet.Cli.Tests.Commands.Logs;

public sealed class LogsCommandTests
{
    private static string Linnet => Path.Combine(AppContext.BaseDirectory, "linnet.dll");

    [Fact]
    public async Task LogsFollow_LinesAppendedAndFileReplaced_PrintsEachWholeLineOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDir();
        var folder = Path.Combine(data.Path, "instances", "default", "web-0");
        Directory.CreateDirectory(folder);
        var log = Path.Combine(folder, "app.log");
        await File.WriteAllTextAsync(log, "first\n", ct);

        await using var logs = await TestProcess.StartAsync("dotnet", [Linnet, "--data-dir", data.Path, "logs", "web-0", "-f"], cancellationToken: ct);
        await logs.WaitForOutputAsync("first", TimeSpan.FromSeconds(30), ct);

        // Appended in two writes: the line is printed once it is whole.
        await File.AppendAllTextAsync(log, "sec", ct);
        await File.AppendAllTextAsync(log, "ond\n", ct);
        await logs.WaitForOutputAsync("second", TimeSpan.FromSeconds(30), ct);

        // Replaced by a shorter file (as a rotation would): read again from its start.
        await File.WriteAllTextAsync(log, "new\n", ct);
        await logs.WaitForOutputAsync("new", TimeSpan.FromSeconds(30), ct);

        Assert.False(logs.HasExited);
        Assert.Equal(["first", "second", "new"], logs.Lines.Where(l => l.Length > 0));
    }
}
