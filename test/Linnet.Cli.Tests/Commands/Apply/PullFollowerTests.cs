using System.Collections.Concurrent;
using System.Text;
using Linnet.Cli.Api;
using Linnet.Cli.Commands.Apply;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Spectre.Console;

namespace Linnet.Cli.Tests.Commands.Apply;

/// <summary>What <c>apply</c> prints while it follows a pull, against a real control plane whose store the test
/// moves from state to state.</summary>
public sealed class PullFollowerTests
{
    private const string Image = "127.0.0.1:5000/shop/web:1.2.3";
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task FollowAsync_PullFinishedBetweenTwoPolls_StillPrintsItsCompletionBeforeRunning()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await CliControlPlane.StartAsync(ct);
        var store = cp.Store;
        await store.CommitAsync(
        [
            new PutChange(new WorkloadResource { Metadata = new ObjectMeta { Name = "web" }, Spec = new WorkloadSpec(1, "default", "", [], [], null, [8080], [], null) { Image = Image } }),
            Instance(new ImagePull(Image, 0, 1, 1_000_000, 3_000_000), null),
        ], ct);
        var lines = new LineWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(lines), Ansi = AnsiSupport.No });
        var client = cp.Client;

        var following = new PullFollower(client, console, TimeProvider.System).FollowAsync([("default", "web")], ct);
        await lines.WaitForAsync("default/web-0: 127.0.0.1:5000/shop/web:1.2.3: pulling: 0/1 layers, 1.0/3.0 MB", ct);

        // The pull completes and the instance runs before the follower looks again: it never sees "pulled".
        await store.CommitAsync([Instance(null, Digest)], ct);

        Assert.True(await following);
        Assert.Equal(
        [
            "default/web-0: 127.0.0.1:5000/shop/web:1.2.3: pulling: 0/1 layers, 1.0/3.0 MB",
            "default/web-0: 127.0.0.1:5000/shop/web:1.2.3: pulled: 1/1 layers, 3.0 MB",
            $"default/web: running 127.0.0.1:5000/shop/web:1.2.3 ({Digest})",
        ], lines.Lines);
    }

    private static PutChange Instance(ImagePull? pull, string? digest) => new(new InstanceResource
    {
        Metadata = new ObjectMeta { Name = "web-0" },
        Spec = new InstanceSpec("web", pull is null ? "127.1.0.1" : "", "default", [8080], 4143, 4191, pull is null, null) { Image = Image, ImageDigest = digest, Pull = pull },
    });

    // The console's output, line by line, as it comes: a test can wait for a line.
    private sealed class LineWriter : TextWriter
    {
        private readonly StringBuilder _current = new();
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly SemaphoreSlim _arrived = new(0);

        public override Encoding Encoding => Encoding.UTF8;

        public List<string> Lines => [.. _lines];

        public override void Write(char value)
        {
            lock (_current)
            {
                if (value == '\n')
                {
                    _lines.Enqueue(_current.ToString().TrimEnd('\r'));
                    _current.Clear();
                    _arrived.Release();
                }
                else
                {
                    _current.Append(value);
                }
            }
        }

        public async Task WaitForAsync(string line, CancellationToken ct)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            while (!_lines.Contains(line))
            {
                await _arrived.WaitAsync(timeout.Token);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _arrived.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
