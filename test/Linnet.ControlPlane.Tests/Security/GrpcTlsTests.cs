using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Linnet.Api.Destination.V1;
using Linnet.Api.Identity.V1;
using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Destination;
using Linnet.ControlPlane.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using DestinationClient = Linnet.Api.Destination.V1.Destination.DestinationClient;
using IdentityClient = Linnet.Api.Identity.V1.Identity.IdentityClient;

namespace Linnet.ControlPlane.Tests.Security;

/// <summary>The gRPC listener over real sockets: TLS only, the control plane's own mesh identity, and
/// Destination subscriptions bound to the identity of the client certificate.</summary>
public sealed class GrpcTlsTests : IAsyncLifetime
{
    private const string WebWorkload = """
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata: { name: web, namespace: shop }
        spec: { command: /bin/web, ports: [8080], serviceAccount: web-sa }
        """;

    private TestControlPlane _cp = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _cp = await TestControlPlane.StartAsync(Ct);

    public ValueTask DisposeAsync() => _cp.DisposeAsync();

    [Fact]
    public async Task Certify_Plaintext_RefusedAndNothingIssued()
    {
        var token = _cp.Host.Services.GetRequiredService<MeshIdentity>().Tokens.Create("shop", "web").Token;
        using var channel = GrpcChannel.ForAddress($"http://{_cp.Host.GrpcEndPoint}");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await new IdentityClient(channel).CertifyAsync(
            new CertifyRequest { Token = ByteString.CopyFromUtf8(token), Identity = "spiffe://cluster.local/ns/shop/sa/web", CertificateSigningRequest = ByteString.CopyFrom(Csr(key, "spiffe://cluster.local/ns/shop/sa/web")) },
            cancellationToken: Ct));

        // The TLS listener answers the plaintext preface with an alert and closes: a client that reads the alert as
        // HTTP/2 frames reports Internal, one that sees the close first Unavailable. Either way no call ran.
        Assert.True(ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal, $"{ex.StatusCode}: {ex.Status.Detail}");
    }

    [Fact]
    public async Task Subscribe_Plaintext_RefusedAndNoProxyRegistered()
    {
        using var channel = GrpcChannel.ForAddress($"http://{_cp.Host.GrpcEndPoint}");
        using var call = new DestinationClient(channel).Subscribe(new SubscribeRequest { Namespace = "default", Workload = "app", Instance = "app-0" }, cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));

        // As for Certify: the TLS listener's alert read as HTTP/2 frames is Internal, the close seen first Unavailable.
        Assert.True(ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal, $"{ex.StatusCode}: {ex.Status.Detail}");
        Assert.Equal(0, _cp.Host.Services.GetRequiredService<ProxyRegistry>().Count);
    }

    [Fact]
    public async Task Handshake_ServerCertificate_ControlPlaneIdentityFromTheMeshCa()
    {
        var mesh = _cp.Host.Services.GetRequiredService<MeshIdentity>();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_cp.Host.GrpcEndPoint, Ct);
        X509Certificate2? seen = null;
        // Records what the server presents; the assertions below judge it.
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            seen = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return seen is not null;
        });

        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "", ApplicationProtocols = [SslApplicationProtocol.Http2] }, Ct);

        Assert.NotNull(seen);
        Assert.True(SpiffeId.TryFromCertificate(seen, out var id));
        Assert.Equal("spiffe://cluster.local/ns/linnet/sa/control-plane", id.ToString());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(mesh.Authority.TrustAnchors);
        chain.ChainPolicy.ExtraStore.Add(mesh.Authority.Issuer);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(seen));
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls13, tls.SslProtocol);
        seen.Dispose();
    }

    [Fact]
    public async Task Subscribe_NoClientCertificate_Unauthenticated()
    {
        using var channel = MeshChannel.Create(_cp.Host, null);
        using var call = new DestinationClient(channel).Subscribe(new SubscribeRequest { Namespace = "default", Workload = "app", Instance = "app-0" }, cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Contains("client certificate", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_AnotherNamespaceThanTheCertificate_PermissionDenied()
    {
        await _cp.ApplyOkAsync(WebWorkload, Ct);
        using var channel = MeshChannel.Create(_cp.Host, MeshChannel.Issue(_cp.Host, "other", "web-sa"));
        using var call = new DestinationClient(channel).Subscribe(new SubscribeRequest { Namespace = "shop", Workload = "web", Instance = "web-0" }, cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Contains("may not subscribe in namespace shop", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, _cp.Host.Services.GetRequiredService<ProxyRegistry>().Count);
    }

    [Fact]
    public async Task Subscribe_AsAWorkloadOfAnotherServiceAccount_PermissionDenied()
    {
        await _cp.ApplyOkAsync(WebWorkload, Ct);
        using var channel = MeshChannel.Create(_cp.Host, MeshChannel.Issue(_cp.Host, "shop", "intruder"));
        using var call = new DestinationClient(channel).Subscribe(new SubscribeRequest { Namespace = "shop", Workload = "web", Instance = "web-0" }, cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Contains("runs as service account web-sa", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_AsItsOwnWorkload_GetsTheSnapshot()
    {
        await _cp.ApplyOkAsync(WebWorkload, Ct);
        using var channel = MeshChannel.Create(_cp.Host, MeshChannel.Issue(_cp.Host, "shop", "web-sa"));
        using var subscription = new Subscription(new DestinationClient(channel).Subscribe(new SubscribeRequest { Namespace = "shop", Workload = "web", Instance = "web-0" }, cancellationToken: Ct));

        var first = await subscription.NextAsync(Ct);

        Assert.True(first.Snapshot);
        Assert.Equal(1, _cp.Host.Services.GetRequiredService<ProxyRegistry>().Count);
    }

    [Fact]
    public async Task Subscribe_InstanceLaterWrittenForAnotherServiceAccount_StreamEndsPermissionDenied()
    {
        // A proxy of "intruder" names an instance that does not exist yet; when the platform writes it as
        // belonging to web-sa, the stream must end rather than hand over web's policy.
        using var channel = MeshChannel.Create(_cp.Host, MeshChannel.Issue(_cp.Host, "shop", "intruder"));
        using var call = new DestinationClient(channel).Subscribe(new SubscribeRequest { Namespace = "shop", Workload = "ghost", Instance = "web-0" }, cancellationToken: Ct);
        Assert.True(await call.ResponseStream.MoveNext(Ct));

        await _cp.CommitAsStoreAsync("""
            apiVersion: linnet.io/v1alpha1
            kind: Instance
            metadata: { name: web-0, namespace: shop }
            spec: { workload: web, address: 127.1.0.1, serviceAccount: web-sa, ports: [8080], proxyInboundPort: 4143, proxyAdminPort: 4191, ready: true }
            """, Ct);
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Contains("belongs to workload web", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_ClientCertificateFromAnotherCa_Refused()
    {
        using var foreignKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=foreign", foreignKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri("spiffe://cluster.local/ns/default/sa/default"));
        request.CertificateExtensions.Add(san.Build(critical: true));
        using var foreign = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddMinutes(-5), TimeProvider.System.GetUtcNow().AddHours(1));
        using var channel = MeshChannel.Create(_cp.Host, foreign);
        using var call = new DestinationClient(channel).Subscribe(new SubscribeRequest { Namespace = "default", Workload = "app", Instance = "app-0" }, cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));

        Assert.NotEqual(StatusCode.OK, ex.StatusCode);
        Assert.Equal(0, _cp.Host.Services.GetRequiredService<ProxyRegistry>().Count);
    }

    [Fact]
    public void Certify_TokenForTheControlPlanesOwnIdentity_PermissionDenied()
    {
        var mesh = _cp.Host.Services.GetRequiredService<MeshIdentity>();
        var token = mesh.Tokens.Create("linnet", "control-plane").Token;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var result = mesh.Certify(token, null, Csr(key, "spiffe://cluster.local/ns/linnet/sa/control-plane"));

        Assert.Equal(CertifyStatus.PermissionDenied, result.Status);
        Assert.Contains("control plane's own identity", result.Reason, StringComparison.Ordinal);
    }

    private static byte[] Csr(ECDsa key, string uri)
    {
        var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(uri));
        request.CertificateExtensions.Add(san.Build(critical: true));
        return request.CreateSigningRequest();
    }
}
