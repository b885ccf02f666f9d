using System.Text;

namespace Linnet.Cli.Commands.Logs;

/// <summary>Prints one log file, then (for <c>logs -f</c>) the lines appended to it, like <c>tail -F</c>: a file
/// that does not exist yet is waited for, one that shrank (replaced) is read again from its start. Only whole
/// lines are printed.</summary>
internal sealed class LogFollower(string path, string prefix, TextWriter output)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    private readonly StringBuilder _partial = new();
    private long _position;

    /// <summary>Prints what the file holds now (its last <paramref name="tail"/> lines when above 0); an unfinished
    /// last line too unless <paramref name="holdPartial"/> (when following, it is printed once complete).</summary>
    public async Task PrintExistingAsync(int tail, bool holdPartial, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        await ReadNewAsync(lines, cancellationToken);
        if (!holdPartial && _partial.Length > 0)
        {
            lines.Add(_partial.ToString());
            _partial.Clear();
        }

        foreach (var line in tail > 0 ? lines.TakeLast(tail) : lines)
        {
            await output.WriteLineAsync(prefix + line);
        }
    }

    /// <summary>Prints new lines of every follower until <paramref name="cancellationToken"/> fires.</summary>
    public static async Task FollowAsync(IReadOnlyList<LogFollower> followers, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Poll, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                foreach (var follower in followers)
                {
                    var lines = new List<string>();
                    await follower.ReadNewAsync(lines, cancellationToken);
                    foreach (var line in lines)
                    {
                        await follower.WriteAsync(line);
                    }
                }

                await Console.Out.FlushAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private Task WriteAsync(string line) => output.WriteLineAsync(prefix + line);

    private async Task ReadNewAsync(List<string> lines, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return;
        }

        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length < _position)
        {
            // Replaced or truncated: start again.
            _position = 0;
            _partial.Clear();
        }

        stream.Position = _position;
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
        var text = await reader.ReadToEndAsync(cancellationToken);
        _position = stream.Position;
        _partial.Append(text);
        var all = _partial.ToString();
        var end = all.LastIndexOf('\n');
        if (end < 0)
        {
            return;
        }

        lines.AddRange(all[..end].Split('\n').Select(l => l.TrimEnd('\r')));
        _partial.Clear().Append(all[(end + 1)..]);
    }
}
