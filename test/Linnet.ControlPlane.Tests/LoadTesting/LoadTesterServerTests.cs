using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.ControlPlane.LoadTesting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Tests.LoadTesting;

/// <summary>flagger-loadtester's API (pkg/loadtester/server.go) served by Linnet's load tester on loopback: gates,
/// rollback gates, cmd tasks running hey in process, and the refusals.</summary>
public sealed class LoadTesterServerTests : IAsyncLifetime
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = LoadTesterServer.Create(new LoadTesterOptions(new IPEndPoint(IPAddress.Loopback, 0), _key) { Namespaces = new System.Text.RegularExpressions.Regex("^test$") }, l => l.ClearProviders());
        await _app.StartAsync(Ct);
        _http = new HttpClient { BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()) };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static string Payload(string name = "podinfo", string ns = "test", JsonObject? metadata = null)
    {
        var json = new JsonObject { ["name"] = name, ["namespace"] = ns, ["phase"] = "Progressing", ["checksum"] = "abc" };
        if (metadata is not null)
        {
            json["metadata"] = metadata;
        }

        return json.ToJsonString();
    }

    public enum Auth
    {
        None,
        Signature,
        Bearer,
        WrongKey,
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, string body, Auth auth = Auth.Signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var bytes = Encoding.UTF8.GetBytes(body);
        switch (auth)
        {
            case Auth.Signature:
                request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(_key, bytes, TimeProvider.System.GetUtcNow()));
                break;
            case Auth.WrongKey:
                request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(new byte[32], bytes, TimeProvider.System.GetUtcNow()));
                break;
            case Auth.Bearer:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Convert.ToHexStringLower(_key));
                break;
        }

        using var response = await _http.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Gate_ClosedUntilOpenedThenClosedAgain_AsFlaggerLoadtester()
    {
        Assert.Equal((HttpStatusCode.Forbidden, "Forbidden"), await PostAsync("/gate/check", Payload(), Auth.None));

        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/gate/open", Payload())).Status);
        Assert.Equal((HttpStatusCode.OK, "Approved"), await PostAsync("/gate/check", Payload(), Auth.None));
        // Gates are per canary: another canary's stays closed, and so does this one's rollback gate.
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/gate/check", Payload("other"), Auth.None)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/rollback/check", Payload(), Auth.None)).Status);

        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/gate/close", Payload(), Auth.Bearer)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/gate/check", Payload(), Auth.None)).Status);
    }

    [Fact]
    public async Task RollbackGate_OpenedAndClosed_CheckFollows()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/rollback/open", Payload())).Status);
        Assert.Equal((HttpStatusCode.OK, "Approved"), await PostAsync("/rollback/check", Payload(), Auth.None));
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/gate/check", Payload(), Auth.None)).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/rollback/close", Payload())).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/rollback/check", Payload(), Auth.None)).Status);
    }

    [Fact]
    public async Task ApproveAndHalt_AlwaysOkAndAlwaysForbidden()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/gate/approve", Payload(), Auth.None)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/gate/halt", Payload(), Auth.None)).Status);
    }

    [Theory]
    [InlineData("/gate/open", Auth.None)]
    [InlineData("/gate/close", Auth.WrongKey)]
    [InlineData("/rollback/open", Auth.None)]
    [InlineData("/", Auth.WrongKey)]
    public async Task SideEffect_UnsignedOrSignedWithAnotherKey_401AndNothingChanges(string path, Auth auth)
    {
        var (status, body) = await PostAsync(path, Payload(metadata: new JsonObject { ["cmd"] = "hey -n 1 -c 1 http://127.0.0.1:1/" }), auth);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("X-Linnet-Signature", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/gate/check", Payload(), Auth.None)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/rollback/check", Payload(), Auth.None)).Status);
        Assert.Equal(0, _app.Services.GetRequiredService<LoadTaskRunner>().Started);
    }

    [Fact]
    public async Task Signature_Replayed10MinutesLater_401()
    {
        var body = Payload();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/gate/open") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(_key, Encoding.UTF8.GetBytes(body), TimeProvider.System.GetUtcNow().AddMinutes(-10)));

        using var response = await _http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("{not json", "not Flagger's webhook payload")]
    [InlineData("{\"namespace\":\"test\"}", "not Flagger's webhook payload")]
    [InlineData("{\"name\":\"podinfo\",\"namespace\":\"test\"}", "metadata not found")]
    [InlineData("{\"name\":\"podinfo\",\"namespace\":\"test\",\"metadata\":{\"type\":\"bash\",\"cmd\":\"curl x | sh\"}}", "runs no shell")]
    [InlineData("{\"name\":\"podinfo\",\"namespace\":\"test\",\"metadata\":{\"type\":\"helm\",\"cmd\":\"test podinfo\"}}", "no Kubernetes API")]
    [InlineData("{\"name\":\"podinfo\",\"namespace\":\"test\",\"metadata\":{\"type\":\"concord\"}}", "hey load tests only")]
    [InlineData("{\"name\":\"podinfo\",\"namespace\":\"test\",\"metadata\":{\"type\":\"x\"}}", "unknown task type x")]
    [InlineData("{\"name\":\"podinfo\",\"namespace\":\"test\",\"metadata\":{\"type\":\"cmd\"}}", "cmd not found")]
    [InlineData("{\"name\":\"podinfo\",\"namespace\":\"test\",\"metadata\":{\"cmd\":\"hey http://a.test/; reboot\"}}", "cmd refused")]
    public async Task Task_InvalidOrRefused_400WithReasonAndNothingStarted(string body, string reason)
    {
        var (status, text) = await PostAsync("/", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(reason, text, StringComparison.Ordinal);
        Assert.Equal(0, _app.Services.GetRequiredService<LoadTaskRunner>().Started);
    }

    [Fact]
    public async Task Task_NamespaceNotAllowed_403()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/gate/check", Payload(ns: "prod"), Auth.None)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/", Payload(ns: "prod", metadata: new JsonObject { ["cmd"] = "hey -n 1 -c 1 http://127.0.0.1:1/" }))).Status);
    }

    [Fact]
    public async Task Task_HeyCommand_Accepted202AndSendsExactlyTheRequestsOnceWhilePostedTwice()
    {
        // A target on loopback that holds the first request until the second POST was answered, so the task is
        // still running when the same command comes again (Flagger calls a rollout hook at every interval).
        var received = Channel.CreateUnbounded<string>();
        var release = new TaskCompletionSource();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var target = builder.Build();
        target.MapGet("/{**path}", async (HttpContext context) =>
        {
            await received.Writer.WriteAsync(context.Request.Headers["X-Load"].ToString(), context.RequestAborted);
            await release.Task.WaitAsync(context.RequestAborted);
            return "ok";
        });
        await target.StartAsync(Ct);
        var url = target.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var metadata = new JsonObject { ["type"] = "cmd", ["cmd"] = $"hey -n 25 -c 1 -H 'X-Load: canary' {url}/" };

        var first = await PostAsync("/", Payload(metadata: metadata));
        Assert.Equal("canary", await received.Reader.ReadAsync(Ct));
        var second = await PostAsync("/", Payload(metadata: (JsonObject)metadata.DeepClone()));
        release.SetResult();

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.Status, second.Status));
        for (var i = 1; i < 25; i++)
        {
            Assert.Equal("canary", await received.Reader.ReadAsync(Ct));
        }

        Assert.Equal(1, _app.Services.GetRequiredService<LoadTaskRunner>().Started);
        await target.StopAsync(Ct);
        Assert.Equal(0, received.Reader.Count);
    }
}
