using System.Net;
using Linnet.Cli.Api;
using Linnet.Cli.Commands.ImageUpdates;
using Linnet.Cli.Output;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Updates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Linnet.Cli.Tests.Commands.ImageUpdates;

/// <summary><c>linnet image-updates list | clear</c> against a real control plane holding a rolled-back verdict.</summary>
public sealed class ImageUpdatesCommandTests
{
    private const string Bad = "127.0.0.1:5000/shop/web:1.3.0@sha256:1111111111111111111111111111111111111111111111111111111111111111";

    [Fact]
    public async Task ListThenClear_RolledBackVersionShownThenForgotten()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new InMemoryResourceStore();
        await using var cp = await StartAsync(store, ct);
        var verdict = new ReleaseVerdictResource
        {
            Metadata = new ObjectMeta { Name = ReleaseLoop.Name("web", Bad) },
            Spec = new ReleaseVerdictSpec("web", "web", Bad, ReleaseVerdicts.RolledBack, ["Halt web.default advancement request-success-rate 50.00 < 99"], TimeProvider.System.GetUtcNow()),
        };
        await store.CommitAsync([new PutChange(verdict)], ct);

        var (printer, stdout) = NewPrinter();
        Assert.Equal(0, await new ImageUpdatesHandler(Client(cp), printer).ListAsync(ct));
        Assert.Contains("default/web", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("rolledBack", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("request-success-rate 50.00 < 99", stdout.ToString(), StringComparison.Ordinal);

        (printer, stdout) = NewPrinter();
        Assert.Equal(0, await new ImageUpdatesHandler(Client(cp), printer).ClearAsync("default", "web", ct));
        Assert.Contains(Bad, stdout.ToString(), StringComparison.Ordinal);
        Assert.Null(store.Find(verdict.Key));
    }

    [Fact]
    public async Task Clear_UnknownWorkload_ExitsTwoWithTheReason()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartAsync(new InMemoryResourceStore(), ct);
        var errors = new StringWriter();
        var (printer, _) = NewPrinter(errors);

        Assert.Equal(ExitCodes.Invalid, await new ImageUpdatesHandler(Client(cp), printer).ClearAsync("default", "nothing", ct));

        Assert.Contains("no workload default/nothing", errors.ToString(), StringComparison.Ordinal);
    }

    private static ControlPlaneClient Client(ControlPlaneHost cp) => ControlPlaneClient.Create($"http://{cp.HttpEndPoint}", () => cp.AdminCredential.Token);

    private static (Printer Printer, StringWriter Stdout) NewPrinter(TextWriter? errors = null)
    {
        var stdout = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No });
        console.Profile.Width = 400;
        return (new Printer(console, OutputFormat.Table, errors), stdout);
    }

    private static async Task<ControlPlaneHost> StartAsync(InMemoryResourceStore store, CancellationToken ct)
    {
        var options = new ControlPlaneOptions { GrpcListen = new IPEndPoint(IPAddress.Loopback, 0), HttpListen = new IPEndPoint(IPAddress.Loopback, 0) };
        var host = ControlPlaneHost.Create(options, store, services => services.AddLogging(b => b.ClearProviders()));
        await host.StartAsync(ct);
        return host;
    }
}
