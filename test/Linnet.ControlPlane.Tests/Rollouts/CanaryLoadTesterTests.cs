using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.LoadTesting;
using Linnet.ControlPlane.Security;
using Linnet.ControlPlane.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Tests.Rollouts;

/// <summary>A Canary written for Flagger's load tester (<c>http://flagger-loadtester.test/</c>) against Linnet's:
/// the control plane reaches it through the Service, its gate holds the rollout until an operator opens it, and
/// its rollout hook gives the canary traffic.</summary>
public sealed class CanaryLoadTesterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Canary_FlaggersLoadTesterHooks_GatedByTheLoadTesterAndGivenTraffic()
    {
        await using var cp = await TestControlPlane.StartAsync(Ct);
        var key = cp.Host.Services.GetRequiredService<WebhookSigningKey>().Key;
        await using var tester = LoadTesterServer.Create(new LoadTesterOptions(new IPEndPoint(IPAddress.Loopback, 0), key), l => l.ClearProviders());
        await tester.StartAsync(Ct);
        var testerPort = new Uri(tester.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;

        // The canary's own server (what podinfo-canary would be), counting the load tester's requests.
        var hits = Channel.CreateUnbounded<string>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var canaryApp = builder.Build();
        canaryApp.MapGet("/{**path}", async (HttpContext context) =>
        {
            await hits.Writer.WriteAsync(context.Request.Path, context.RequestAborted);
            return "v2";
        });
        await canaryApp.StartAsync(Ct);
        var canaryUrl = canaryApp.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        await cp.ApplyOkAsync(Manifests.Join(
            Manifests.Service("flagger-loadtester", "test", $"[ {{ port: 80, targetPort: {testerPort} }} ]"),
            """
            apiVersion: linnet.io/v1alpha1
            kind: Workload
            metadata: { name: podinfo, namespace: test, labels: { app: podinfo } }
            spec: { command: /bin/podinfo, ports: [9898], version: "1" }

            """,
            $$"""
            apiVersion: flagger.app/v1beta1
            kind: Canary
            metadata: { name: podinfo, namespace: test }
            spec:
              targetRef: { apiVersion: apps/v1, kind: Deployment, name: podinfo }
              service: { port: 9898 }
              analysis:
                interval: 1s
                threshold: 2
                iterations: 2
                webhooks:
                  - name: start gate
                    type: confirm-rollout
                    url: http://flagger-loadtester.test/gate/check
                  - name: load-test
                    type: rollout
                    url: http://flagger-loadtester.test/
                    metadata:
                      cmd: "hey -n 40 -c 2 {{canaryUrl}}/load"

            """), Ct);
        await cp.CommitAsStoreAsync(Manifests.Join(
            Manifests.Instance("flagger-loadtester-0", "flagger-loadtester", "127.0.0.1", "test"),
            Manifests.Instance("podinfo-primary-0", "podinfo-primary", "127.0.0.2", "test"),
            Manifests.Instance("podinfo-0", "podinfo", "127.0.0.3", "test")), Ct);
        await WaitForAsync(cp, c => c.Status.Phase == CanaryPhases.Initialized);

        await cp.ApplyOkAsync("""
            apiVersion: linnet.io/v1alpha1
            kind: Workload
            metadata: { name: podinfo, namespace: test, labels: { app: podinfo } }
            spec: { command: /bin/podinfo, ports: [9898], version: "2", replicas: 0 }

            """, Ct);
        var waiting = await WaitForAsync(cp, c => c.Status.Phase == CanaryPhases.Waiting);
        Assert.Contains(waiting.Status.Events, e => e.Message == "Halt podinfo.test advancement waiting for approval start gate");
        Assert.Equal(0, hits.Reader.Count);

        // The operator opens the gate as Flagger's docs show (curl -d '{"name": "podinfo","namespace":"test"}'
        // http://flagger-loadtester.test/gate/open), with the signing key as a bearer token.
        using var http = new HttpClient();
        using var open = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{testerPort}/gate/open") { Content = new StringContent("{\"name\":\"podinfo\",\"namespace\":\"test\"}", Encoding.UTF8, "application/json") };
        open.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Convert.ToHexStringLower(key));
        Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(open, Ct)).StatusCode);

        var done = await WaitForAsync(cp, c => c.Status.Phase == CanaryPhases.Succeeded);
        Assert.Contains(done.Status.Events, e => e.Message == "Confirm-rollout check start gate passed");

        // The rollout hook started the load test: the canary got the load tester's traffic.
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal("/load", await hits.Reader.ReadAsync(Ct));
        }

        Assert.True(tester.Services.GetRequiredService<LoadTaskRunner>().Started >= 1);
    }

    private static async Task<CanaryResource> WaitForAsync(TestControlPlane cp, Func<CanaryResource, bool> condition)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        var key = new ResourceKey(CanaryResource.KindName, "test", "podinfo");
        CanaryResource Current() => (CanaryResource)cp.Store.Find(key)!;
        if (condition(Current()))
        {
            return Current();
        }

        await foreach (var _ in cp.Store.WatchAsync(cp.Store.Revision, deadline.Token))
        {
            if (condition(Current()))
            {
                return Current();
            }
        }

        throw new TimeoutException(string.Join('\n', Current().Status.Events.Select(e => e.Message)));
    }
}
