using System.Globalization;
using Linnet.Testing;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>A terminal, as a person has one: Debian's tmux runs a command in a detached session of a fixed size, on a
/// tmux server of its own (<c>-L</c>), and the test reads the screen (<c>capture-pane</c>) and types keys
/// (<c>send-keys</c>). The pane stays once the command ends, so its exit status can be read.</summary>
internal sealed class TmuxTerminal : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(15);
    private readonly string _socket = "linnet-e2e-" + Guid.NewGuid().ToString("N")[..12];

    private TmuxTerminal()
    {
    }

    /// <summary>Runs <paramref name="commandLine"/> (shell words) on a <paramref name="width"/> × <paramref name="height"/> screen.</summary>
    public static async Task<TmuxTerminal> StartAsync(string commandLine, int width, int height, CancellationToken ct)
    {
        var terminal = new TmuxTerminal();
        try
        {
            // A shell first, then the pane told to remain when its command ends, then the command in its place:
            // no window in which the command could end before the option holds.
            await terminal.RunAsync(ct, "-f", "/dev/null", "new-session", "-d", "-s", "t",
                "-x", width.ToString(CultureInfo.InvariantCulture), "-y", height.ToString(CultureInfo.InvariantCulture));
            await terminal.RunAsync(ct, "set-option", "-t", "t", "remain-on-exit", "on");
            await terminal.RunAsync(ct, "respawn-pane", "-k", "-t", "t", commandLine);
            return terminal;
        }
        catch
        {
            await terminal.DisposeAsync();
            throw;
        }
    }

    /// <summary>What the screen shows now, one string per line.</summary>
    public async Task<string[]> ScreenAsync(CancellationToken ct) => (await RunAsync(ct, "capture-pane", "-p", "-t", "t")).Split('\n');

    /// <summary>Types <paramref name="keys"/> (tmux key names: <c>C-c</c>).</summary>
    public Task SendKeysAsync(string keys, CancellationToken ct) => RunAsync(ct, "send-keys", "-t", "t", keys);

    /// <summary>How the command ended: <c>status N</c> (it exited), <c>signal N</c> (a signal killed it), <c>exited</c>
    /// (tmux did not say with what); null while it runs.</summary>
    public async Task<string?> EndAsync(CancellationToken ct)
    {
        var words = (await RunAsync(ct, "display-message", "-p", "-t", "t", "#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}")).Trim().Split('|');
        return words switch
        {
            ["1", { Length: > 0 } status, _] => "status " + status,
            ["1", _, { Length: > 0 } signal] => "signal " + signal,

            // Dead, and tmux 3.3 gives neither status nor signal (it does so for some panes): it exited, how is unknown.
            ["1", _, _] => "exited",
            _ => null,
        };
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(CancellationToken.None, "kill-server");
        }
        catch (InvalidOperationException)
        {
            // The server was never started, or is gone already.
        }
    }

    private async Task<string> RunAsync(CancellationToken ct, params string[] arguments)
    {
        await using var process = await TestProcess.StartAsync("tmux", ["-L", _socket, .. arguments], new Dictionary<string, string?> { ["TMUX"] = null }, cancellationToken: ct);
        var code = await process.WaitForExitAsync(CommandTimeout, ct);
        if (code != 0)
        {
            throw new InvalidOperationException($"tmux {string.Join(' ', arguments)} exited {code}: {process.Output}");
        }

        return process.Output;
    }
}
