using Linnet.Testing;

namespace Linnet.ControlPlane.Tests.Infrastructure;

/// <summary>A real SMTP server on loopback: Debian's python3-aiosmtpd, delivering into a Maildir.</summary>
internal sealed class SmtpServer : IAsyncDisposable
{
    private readonly TestProcess _process;

    private SmtpServer(TestProcess process, int port, string maildir)
    {
        _process = process;
        Port = port;
        Maildir = maildir;
    }

    public int Port { get; }

    public string Maildir { get; }

    public static async Task<SmtpServer> StartAsync(CancellationToken ct)
    {
        // A path that does not exist yet: Python's Maildir creates it with its tmp/new/cur (an empty directory
        // would be taken as a Maildir without them).
        var maildir = Path.Combine(Directory.CreateTempSubdirectory("linnet-smtp-").FullName, "mail");
        var port = PortAllocator.GetFreeTcpPort();
        var process = await TestProcess.StartAsync("/usr/bin/python3", ["-m", "aiosmtpd", "-n", "-d", "-l", $"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", maildir], cancellationToken: ct);
        await process.WaitForOutputAsync("Server is listening", TimeSpan.FromSeconds(30), ct);
        return new SmtpServer(process, port, maildir);
    }

    /// <summary>The messages delivered so far, as their raw text.</summary>
    public IReadOnlyList<string> Messages() =>
        Directory.Exists(Path.Combine(Maildir, "new")) ? [.. Directory.GetFiles(Path.Combine(Maildir, "new")).Select(File.ReadAllText)] : [];

    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(TimeSpan.FromSeconds(5));
        await _process.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(Maildir)!, recursive: true);
    }
}
