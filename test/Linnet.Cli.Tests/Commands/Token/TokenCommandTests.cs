using System.Net;
using System.Text.Json.Nodes;
using Linnet.Cli.Api;
using Linnet.Cli.Commands.Token.Create;
using Linnet.Cli.Commands.Token.Revoke;
using Linnet.Cli.Output;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Core.Store;
using Linnet.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Linnet.Cli.Tests.Commands.Token;

/// <summary><c>linnet token create</c> and <c>revoke</c>: through their handlers against a real control plane,
/// and as the real CLI process.</summary>
public sealed class TokenCommandTests
{
    private static string Linnet => Path.Combine(AppContext.BaseDirectory, "linnet.dll");

    [Fact]
    public async Task Create_TableOutput_PrintsOnlyAValidTokenForTheIdentity()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartControlPlaneAsync(ct);
        var (printer, stdout) = NewPrinter(OutputFormat.Table);
        var notes = new StringWriter();

        var code = await new TokenCreateHandler(Client(cp), printer, notes).RunAsync("shop", "web", "2h", ct);

        Assert.Equal(0, code);
        var token = stdout.ToString().Trim();
        var validation = Identity(cp).Tokens.Validate(token);
        Assert.True(validation.IsValid, validation.Reason);
        Assert.Equal(("shop", "web"), (validation.Claims!.Namespace, validation.Claims.ServiceAccount));
        Assert.Equal(TimeSpan.FromHours(2), validation.Claims.ExpiresAt - validation.Claims.IssuedAt);
        Assert.Contains($"token {validation.Claims.Id} for spiffe://cluster.local/ns/shop/sa/web", notes.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateJsonThenRevoke_TokenRefusedAsRevoked()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartControlPlaneAsync(ct);
        var (printer, stdout) = NewPrinter(OutputFormat.Json);
        Assert.Equal(0, await new TokenCreateHandler(Client(cp), printer).RunAsync("shop", "web", null, ct));
        var created = JsonNode.Parse(stdout.ToString())!;
        var id = (string)created["id"]!;
        var output = new StringWriter();

        var code = await new TokenRevokeHandler(Client(cp), output, new StringWriter()).RunAsync(id, ct);

        Assert.Equal(0, code);
        Assert.Equal($"token {id} revoked", output.ToString().Trim());
        Assert.Equal($"token {id} is revoked", Identity(cp).Tokens.Validate((string)created["token"]!).Reason);
    }

    [Fact]
    public async Task Create_InvalidServiceAccount_ExitsTwo()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartControlPlaneAsync(ct);
        var errors = new StringWriter();
        var (printer, _) = NewPrinter(OutputFormat.Table, errors);

        var code = await new TokenCreateHandler(Client(cp), printer).RunAsync("shop", "we/b", null, ct);

        Assert.Equal(2, code);
        Assert.Contains("serviceAccount", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_CreateAgainstControlPlane_PrintsTokenExitsZero()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartControlPlaneAsync(ct);
        // Remote use: the credential comes from LINNET_TOKEN, not from a data directory.
        var environment = new Dictionary<string, string?> { ["LINNET_TOKEN"] = cp.AdminCredential.Token, ["LINNET_HOME"] = null };
        await using var cli = await TestProcess.StartAsync("dotnet", [Linnet, "token", "create", "--namespace", "shop", "--service-account", "web", "--ttl", "1h", "--api", $"http://{cp.HttpEndPoint}"], environment, cancellationToken: ct);

        var code = await cli.WaitForExitAsync(TimeSpan.FromSeconds(60), ct);

        Assert.True(code == 0, cli.Output);
        Assert.DoesNotContain(cp.AdminCredential.Token, cli.Output, StringComparison.Ordinal);
        var token = cli.Lines.Single(l => l.Count(c => c == '.') == 2 && !l.Contains(' ', StringComparison.Ordinal));
        Assert.True(Identity(cp).Tokens.Validate(token).IsValid);
    }

    [Fact]
    public async Task Process_CreateWithoutCredential_RefusedSayingHowAndNoToken()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartControlPlaneAsync(ct);
        var empty = Directory.CreateTempSubdirectory("linnet-cli-nocred-");
        try
        {
            var environment = new Dictionary<string, string?> { ["LINNET_TOKEN"] = null };
            await using var cli = await TestProcess.StartAsync("dotnet", [Linnet, "token", "create", "-n", "shop", "-s", "web", "--api", $"http://{cp.HttpEndPoint}", "--data-dir", empty.FullName], environment, cancellationToken: ct);

            var code = await cli.WaitForExitAsync(TimeSpan.FromSeconds(60), ct);

            Assert.NotEqual(0, code);
            Assert.Contains("LINNET_TOKEN", cli.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(cli.Lines, l => l.Count(c => c == '.') == 2 && !l.Contains(' ', StringComparison.Ordinal));
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Process_ControlPlaneDown_ExitsThree()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = PortAllocator.GetFreeTcpPort();
        await using var cli = await TestProcess.StartAsync("dotnet", [Linnet, "token", "create", "-n", "shop", "-s", "web", "--api", $"http://127.0.0.1:{port}"], cancellationToken: ct);

        var code = await cli.WaitForExitAsync(TimeSpan.FromSeconds(60), ct);

        Assert.Equal(3, code);
        Assert.Contains("cannot reach the control plane", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_BadTtl_ExitsTwo()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cli = await TestProcess.StartAsync("dotnet", [Linnet, "token", "create", "-n", "shop", "-s", "web", "--ttl", "forever"], cancellationToken: ct);

        var code = await cli.WaitForExitAsync(TimeSpan.FromSeconds(60), ct);

        Assert.Equal(2, code);
        Assert.Contains("--ttl: 'forever' is not a duration", cli.Output, StringComparison.Ordinal);
    }

    private static MeshIdentity Identity(ControlPlaneHost cp) => cp.Services.GetRequiredService<MeshIdentity>();

    private static ControlPlaneClient Client(ControlPlaneHost cp) => ControlPlaneClient.Create($"http://{cp.HttpEndPoint}", () => cp.AdminCredential.Token);

    private static (Printer Printer, StringWriter Stdout) NewPrinter(OutputFormat format, TextWriter? errors = null)
    {
        var stdout = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout), Ansi = AnsiSupport.No });
        return (new Printer(console, format, errors), stdout);
    }

    private static async Task<ControlPlaneHost> StartControlPlaneAsync(CancellationToken ct)
    {
        var options = new ControlPlaneOptions { GrpcListen = new IPEndPoint(IPAddress.Loopback, 0), HttpListen = new IPEndPoint(IPAddress.Loopback, 0) };
        var host = ControlPlaneHost.Create(options, new InMemoryResourceStore(), services => services.AddLogging(b => b.ClearProviders()));
        await host.StartAsync(ct);
        return host;
    }
}
