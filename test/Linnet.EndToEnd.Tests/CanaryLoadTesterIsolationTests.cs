using System.Net;
using System.Security.Cryptography;
using System.Text;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.EndToEnd.Tests.Infrastructure;
using Linnet.ControlPlane.Security;
using static Linnet.EndToEnd.Tests.Infrastructure.CanaryMesh;

namespace Linnet.EndToEnd.Tests;

/// <summary>The documented load-tester Workload under isolation (issue 13): it runs as a uid of its own that cannot
/// read the control plane's data directory, yet checks the control plane's webhook calls with the public key every
/// workload is given, runs the canary's load test (which reaches the canary through its proxy), holds promotion
/// at its gate, and refuses a gate call that the control plane did not sign.</summary>
[Collection(nameof(IsolationTests))]
public sealed class CanaryLoadTesterIsolationTests(ITestOutputHelper output)
{
    private const int Requests = 40;

    // As docs/progressive-delivery.md shows it: no key file, nothing but where to listen. The command is the linnet
    // beside the tests rather than a bare name: on a host where `linnet demo` ran as root, the PATH's linnet is a
    // link into /root, which no workload uid may enter.
    private static readonly string LoadTester = $$"""
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata: { name: flagger-loadtester, labels: { app: flagger-loadtester } }
        spec: { command: "{{Path.Combine(AppContext.BaseDirectory, "linnet")}}", args: [loadtester, --listen, "0.0.0.0:8080"], ports: [8080] }
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: flagger-loadtester }
        spec: { selector: { app: flagger-loadtester }, ports: [ { port: 80, targetPort: 8080 } ] }

        """;

    [Fact]
    public async Task Canary_IsolatedLoadTester_ChecksSignaturesRunsTheLoadAndGatesPromotion()
    {
        Pods.Require();
        var ct = TestContext.Current.CancellationToken;
        var network = Pods.PickNetwork();
        await using var mesh = await Mesh.StartAsync(output, ["--isolation", "on", "--pod-network", network.ToString()], ct);
        var canary = Canary($"""
                interval: 2s
                threshold: 2
                maxWeight: 50
                stepWeight: 50
                webhooks:
                  - name: load-test
                    type: pre-rollout
                    url: http://flagger-loadtester.default/
                    metadata: {"{"} cmd: "hey -n {Requests} -c 2 -q 10 http://backend-canary.default/hook-load" {"}"}
                  - name: promotion gate
                    type: confirm-promotion
                    url: http://flagger-loadtester.default/gate/check
            """);
        await mesh.ApplyAsync(Manifests.Join(LoadTester, Backend("1"), canary), ct);
        await WaitForPhaseAsync(mesh, "Initialized", ct);
        var tester = (await mesh.WaitForInstancesAsync(2, ct))
            .Single(i => i.Workload == "flagger-loadtester").Address;

        // The load tester runs as a uid of its own, not root, and was told the public key only.
        var pod = Pods.NamespaceOf(tester) ?? throw new InvalidOperationException($"no namespace holds {tester}");
        var process = Pods.ProcessesIn(pod.Id).Single(p => p.CommandLine.Contains("loadtester", StringComparison.Ordinal) && !p.CommandLine.Contains("linnet-proxy", StringComparison.Ordinal));
        Assert.NotEqual(0, Pods.Uid(process.Pid));
        Assert.True(Pods.EnvironmentOf(process.Pid).ContainsKey(WebhookSigningKey.PublicKeyVariable));

        // v2: the pre-rollout hook (signed by the control plane, checked by the isolated tester) starts the load;
        // promotion then waits at the closed gate.
        await mesh.ApplyAsync(Backend("2"), ct);
        await WaitForPhaseAsync(mesh, "WaitingPromotion", ct);
        var target = (await mesh.WaitForInstancesAsync(3, ct)).Single(i => i.Workload == "backend").Address;
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(15) };
        var counts = "";
        await Eventually.UntilAsync(
            async () => (counts = await http.GetStringAsync(new Uri($"http://{target}:8080/_e2e/counts"), ct)).Contains($"hook-load {Requests} 0", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            $"the load tester's {Requests} requests served by the canary",
            ct,
            () => counts);

        // A gate call the control plane did not sign changes nothing...
        var gate = new Uri($"http://{tester}:8080/gate/open");
        const string body = """{"name":"backend","namespace":"default"}""";
        using (var unsigned = await http.PostAsync(gate, new StringContent(body, Encoding.UTF8, "application/json"), ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        }

        using (var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await PostSignedAsync(http, gate, body, forger, ct));
        }

        Assert.Equal("WaitingPromotion", Phase(await mesh.ResourceAsync("Canary", "backend", ct)));

        // ... one signed with the control plane's private key (root's, in the data directory) opens the gate.
        using var signer = ECDsa.Create();
        signer.ImportFromPem(await File.ReadAllTextAsync(Path.Combine(mesh.DataDirectory, WebhookSigningKey.PrivateKeyFileName), ct));
        Assert.Equal(HttpStatusCode.Accepted, await PostSignedAsync(http, gate, body, signer, ct));
        var done = await WaitForPhaseAsync(mesh, "Succeeded", ct);
        output.WriteLine(string.Join('\n', Messages(done)));
        await mesh.DownAsync(ct);
    }

    private static async Task<HttpStatusCode> PostSignedAsync(HttpClient http, Uri url, string body, ECDsa key, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.SignRequest(new byte[32], key, WebhookRequestLine.For("POST", url), bytes, TimeProvider.System.GetUtcNow(), WebhookSignature.NewNonce()));
        using var response = await http.SendAsync(request, ct);
        return response.StatusCode;
    }
}
