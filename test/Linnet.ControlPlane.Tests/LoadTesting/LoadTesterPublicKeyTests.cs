using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.ControlPlane.LoadTesting;
using Linnet.ControlPlane.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Tests.LoadTesting;

/// <summary>A load tester that holds only the control plane's public key (as an isolated one does, from
/// <c>LINNET_WEBHOOK_PUBLIC_KEY</c>): calls with side effects need a fresh <c>es256</c> signature made for their
/// method, host and path, accepted once; forged, replayed, stale, redirected and shared-key-only calls are refused and
/// change nothing.</summary>
public sealed class LoadTesterPublicKeyTests : IAsyncLifetime
{
    private const string Body = "{\"name\":\"podinfo\",\"namespace\":\"test\",\"phase\":\"Progressing\",\"checksum\":\"abc\"}";
    private readonly WebhookSigningKey _controlPlane = WebhookSigningKey.Ephemeral();
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        // The receiver gets the key as a workload does: the variable's text, not the key object.
        var publicKey = WebhookSigningKey.ReadPublicKey(_controlPlane.PublicKey, WebhookSigningKey.PublicKeyVariable);
        _app = LoadTesterServer.Create(new LoadTesterOptions(new IPEndPoint(IPAddress.Loopback, 0), null) { PublicKey = publicKey }, l => l.ClearProviders());
        await _app.StartAsync(Ct);
        _http = new HttpClient { BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()) };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private string Sign(string path, DateTimeOffset at, ECDsa? key = null) =>
        WebhookSignature.SignRequest(_controlPlane.Key, key ?? _controlPlane.Signer!, WebhookRequestLine.For("POST", new Uri(_http.BaseAddress!, path)), Encoding.UTF8.GetBytes(Body), at, WebhookSignature.NewNonce());

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, string? signature = null, AuthenticationHeaderValue? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        if (signature is not null)
        {
            request.Headers.Add(WebhookSignature.Header, signature);
        }

        request.Headers.Authorization = authorization;
        using var response = await _http.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    private async Task AssertGatesClosedAsync()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/gate/check")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/rollback/check")).Status);
    }

    [Fact]
    public async Task GateOpen_SignedWithThePrivateKey_OpensTheGate()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/gate/open", Sign("/gate/open", TimeProvider.System.GetUtcNow()))).Status);

        Assert.Equal((HttpStatusCode.OK, "Approved"), await PostAsync("/gate/check"));
    }

    [Fact]
    public async Task GateOpen_SignedWithAnotherKey_401AndGateStaysClosed()
    {
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var (status, body) = await PostAsync("/gate/open", Sign("/gate/open", TimeProvider.System.GetUtcNow(), forger));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("does not verify", body, StringComparison.Ordinal);
        await AssertGatesClosedAsync();
    }

    [Fact]
    public async Task SignedCall_ReplayedOrDuplicated_SecondIs401()
    {
        var signature = Sign("/gate/open", TimeProvider.System.GetUtcNow());
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/gate/open", signature)).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("/gate/close", Sign("/gate/close", TimeProvider.System.GetUtcNow()))).Status);

        // Captured and sent again within the five minutes a signature is fresh: refused, the gate stays closed.
        var (status, body) = await PostAsync("/gate/open", signature);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("replay", body, StringComparison.Ordinal);
        await AssertGatesClosedAsync();
    }

    [Theory]
    [InlineData(-10)]
    [InlineData(10)]
    public async Task SignedCall_TenMinutesFromTheReceiversClock_401(int minutes)
    {
        var (status, body) = await PostAsync("/rollback/open", Sign("/rollback/open", TimeProvider.System.GetUtcNow().AddMinutes(minutes)));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("minutes from the receiver's clock", body, StringComparison.Ordinal);
        await AssertGatesClosedAsync();
    }

    [Fact]
    public async Task SignedLoadTestCall_SentToTheRollbackGate_401()
    {
        // The same payload goes to POST / (a load test) and to /rollback/open: a call signed for one is not the other.
        var (status, _) = await PostAsync("/rollback/open", Sign("/", TimeProvider.System.GetUtcNow()));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        await AssertGatesClosedAsync();
    }

    [Fact]
    public async Task SharedKeyOnlySignatureOrBearer_WithoutTheSharedKey_401()
    {
        var v1 = WebhookSignature.Sign(_controlPlane.Key, Encoding.UTF8.GetBytes(Body), TimeProvider.System.GetUtcNow());

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("/gate/open", v1)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("/gate/open", authorization: new AuthenticationHeaderValue("Bearer", Convert.ToHexStringLower(_controlPlane.Key)))).Status);
        await AssertGatesClosedAsync();
        Assert.Equal(0, _app.Services.GetRequiredService<LoadTaskRunner>().Started);
    }
}
