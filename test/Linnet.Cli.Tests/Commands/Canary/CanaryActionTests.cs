using System.Net;
using Linnet.Cli.Api;
using Linnet.Cli.Commands.Canary;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.Cli.Tests.Commands.Canary;

/// <summary><c>linnet canary ACTION NAME</c> against a real control plane and its canary controller: the command
/// is applied and its outcome printed; refusals exit non-zero with the reason.</summary>
public sealed class CanaryActionTests : IAsyncLifetime
{
    private readonly InMemoryResourceStore _store = new();
    private ControlPlaneHost _cp = null!;
    private ControlPlaneClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var options = new ControlPlaneOptions { GrpcListen = new IPEndPoint(IPAddress.Loopback, 0), HttpListen = new IPEndPoint(IPAddress.Loopback, 0) };
        _cp = ControlPlaneHost.Create(options, _store, services => services.AddLogging(b => b.ClearProviders()));
        await _cp.StartAsync(Ct);
        _client = ControlPlaneClient.Create($"http://{_cp.HttpEndPoint}", () => _cp.AdminCredential.Token);

        // A canary under analysis at 20 %, with its target and primary (as the controller left them).
        var parsed = ManifestParser.Parse("""
            apiVersion: linnet.io/v1alpha1
            kind: Workload
            metadata: { name: web, labels: { app: web } }
            spec: { replicas: 1, command: web, ports: [8080] }
            ---
            apiVersion: linnet.io/v1alpha1
            kind: Workload
            metadata: { name: web-primary, labels: { app: web-primary } }
            spec: { replicas: 1, command: web, ports: [8080] }
            ---
            apiVersion: flagger.app/v1beta1
            kind: Canary
            metadata: { name: web }
            spec:
              targetRef: { kind: Workload, name: web }
              service: { port: 80, targetPort: 8080 }
              analysis:
                interval: 1h
                stepWeight: 10
                metrics: [ { name: request-success-rate, thresholdRange: { min: 99 } } ]
            """, "t");
        Assert.Empty(parsed.Errors);
        var canary = (CanaryResource)parsed.Resources.Single(r => r is CanaryResource);
        var target = parsed.Resources.OfType<WorkloadResource>().Single(r => r.Metadata.Name == "web");
        var status = new CanaryStatus { Phase = CanaryPhases.Progressing, CanaryWeight = 20, LastAppliedSpec = Linnet.ControlPlane.Core.Rollouts.CanaryObjects.SpecHash(target) };
        await _store.CommitAsync([.. parsed.Resources.Where(r => r is not CanaryResource).Select(r => (StoreChange)new PutChange(r)), new PutChange(canary with { Status = status })], Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _cp.DisposeAsync();
        _store.Dispose();
    }

    private async Task<(int Code, string Out, string Err)> RunAsync(string action, string name = "web")
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var code = await new CanaryActionHandler(_client, TimeProvider.System, output, errors).RunAsync("default", name, action, Ct);
        return (code, output.ToString(), errors.ToString());
    }

    [Fact]
    public async Task Run_PauseThenResume_AppliedByTheControllerAndRecordedWithWho()
    {
        var (code, output, errors) = await RunAsync("pause");

        Assert.True(code == 0, errors);
        Assert.Equal("canary default/web: Paused by admin: holding web.default at canary weight 20\n", output);
        var status = ((CanaryResource)_store.Find(new ResourceKey(CanaryResource.KindName, "default", "web"))!).Status;
        Assert.True(status.Paused);
        Assert.Equal((CanaryCommands.Pause, "admin", CanaryCommands.Applied), (status.Command!.Action, status.Command.By, status.Command.Outcome));

        var resumed = await RunAsync("resume");
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains("Resumed by admin", resumed.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ResumeWhenNotPaused_Exit1WithTheReason()
    {
        var (code, _, errors) = await RunAsync("resume");

        Assert.Equal(1, code);
        Assert.Equal("error: Canary/default/web: the canary is not paused\n", errors);
    }

    [Fact]
    public async Task Run_UnknownCanary_Exit2()
    {
        var (code, _, errors) = await RunAsync("abort", "nope");

        Assert.Equal(2, code);
        Assert.Contains("Canary/default/nope not found", errors, StringComparison.Ordinal);
    }
}
