using System.Text.Json.Nodes;
using Linnet.Cli.Api;
using Linnet.Cli.Commands.Get;
using Linnet.Cli.Output;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.Testing;
using Spectre.Console;

namespace Linnet.Cli.Tests.Commands.GetInstances;

/// <summary><c>linnet get instances</c> against a real control plane: the image and digest each instance runs.</summary>
public sealed class GetInstancesTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task Run_InstancesWithImage_TableShowsImageAndShortDigestJsonTheWholeDigest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await CliControlPlane.StartAsync(ct);
        var store = cp.Store;
        await store.CommitAsync(
        [
            new PutChange(new InstanceResource
            {
                Metadata = new ObjectMeta { Name = "web-0" },
                Spec = new InstanceSpec("web", "127.1.0.1", "default", [8080], 4143, 4191, true, null) { Image = "127.0.0.1:5000/shop/web:1.2.3", ImageDigest = Digest },
            }),
        ], ct);
        var client = cp.Client;
        var (table, tableOut) = NewPrinter(OutputFormat.Table);
        var (json, jsonOut) = NewPrinter(OutputFormat.Json);

        Assert.Equal(0, await new GetHandler(client, table).RunAsync("Instance", null, "default", ct));
        Assert.Equal(0, await new GetHandler(client, json).RunAsync("Instance", null, "default", ct));

        var lines = tableOut.ToString().Split('\n');
        Assert.Contains(lines, l => l.Contains("IMAGE", StringComparison.Ordinal) && l.Contains("DIGEST", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("web-0", StringComparison.Ordinal) && l.Contains("127.0.0.1:5000/shop/web:1.2.3", StringComparison.Ordinal) && l.Contains("sha256:0123456789ab ", StringComparison.Ordinal));
        var item = JsonNode.Parse(jsonOut.ToString())!.AsArray().Single()!;
        Assert.Equal(Digest, item["spec"]!["imageDigest"]!.GetValue<string>());
    }

    [Fact]
    public async Task Process_OutputPiped_EachInstanceOnOneLineNotWrappedAt80Columns()
    {
        // Piped into grep or a file, kubectl and linkerd print each row whole; the demo's `get instances` wrapped
        // "backend-primary-0" into "backend-pr" / "imary-0" at Spectre's default 80 columns.
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await CliControlPlane.StartAsync(ct);
        await cp.Store.CommitAsync(
        [
            new PutChange(new InstanceResource
            {
                Metadata = new ObjectMeta { Name = "backend-primary-0" },
                Spec = new InstanceSpec("backend-primary", "10.253.152.7", "default", [8080], 4143, 4191, true, null) { Image = "127.0.0.1:5000/shop/backend:2.0.0", ImageDigest = Digest },
            }),
        ], ct);
        var environment = new Dictionary<string, string?> { ["LINNET_TOKEN"] = cp.AdminToken, ["LINNET_HOME"] = null, ["COLUMNS"] = null };
        await using var cli = await TestProcess.StartAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "linnet.dll"), "get", "instances", "--api", $"http://{cp.Host.HttpEndPoint}"], environment, cancellationToken: ct);

        var code = await cli.WaitForExitAsync(TimeSpan.FromSeconds(60), ct);

        Assert.True(code == 0, cli.Output);
        Assert.Contains(cli.Lines, l => l.Contains("backend-primary-0", StringComparison.Ordinal) && l.Contains("10.253.152.7", StringComparison.Ordinal)
            && l.Contains("127.0.0.1:5000/shop/backend:2.0.0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_InstancesWaitingForTheirImage_TableShowsThePullsProgressOrFailureInsteadOfADigest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await CliControlPlane.StartAsync(ct);
        var store = cp.Store;
        const string image = "127.0.0.1:5000/shop/web:1.2.3";
        await store.CommitAsync(
        [
            Waiting("web-0", new ImagePull(image, 1, 3, 4_200_000, 12_000_000)),
            Waiting("web-1", new ImagePull(image, 3, 3, 12_000_000, 12_000_000)),
            Waiting("web-2", new ImagePull(image, 0, 0, 0, 0, "registry refused [401]")),
        ], ct);
        var client = cp.Client;
        var (table, tableOut) = NewPrinter(OutputFormat.Table);

        Assert.Equal(0, await new GetHandler(client, table).RunAsync("Instance", null, "default", ct));

        var lines = tableOut.ToString().Split('\n');
        Assert.Contains(lines, l => l.Contains("web-0", StringComparison.Ordinal) && l.Contains("pulling: 1/3 layers, 4.2/12.0 MB", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("web-1", StringComparison.Ordinal) && l.Contains("pulled: 3/3 layers, 12.0 MB", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("web-2", StringComparison.Ordinal) && l.Contains("pull failed: registry refused [401]", StringComparison.Ordinal));
    }

    private static PutChange Waiting(string name, ImagePull pull) => new(new InstanceResource
    {
        Metadata = new ObjectMeta { Name = name },
        Spec = new InstanceSpec("web", "", "default", [8080], 4143, 4191, false, null) { Image = pull.Image, Pull = pull },
    });

    private static (Printer Printer, StringWriter Stdout) NewPrinter(OutputFormat format)
    {
        var stdout = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout), Ansi = AnsiSupport.No });
        console.Profile.Width = 250; // one row per instance, nothing wrapped
        return (new Printer(console, format), stdout);
    }
}
