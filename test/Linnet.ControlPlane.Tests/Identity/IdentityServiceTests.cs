using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Linnet.Api.Identity.V1;
using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using IdentityClient = Linnet.Api.Identity.V1.Identity.IdentityClient;

namespace Linnet.ControlPlane.Tests.Identity;

/// <summary><c>Certify</c> over real gRPC (h2c) against the real control plane host, and the token HTTP API.</summary>
public sealed class IdentityServiceTests
{
    private const string Web = "spiffe://cluster.local/ns/shop/sa/web";

    [Fact]
    public async Task Certify_TokenFromApi_IssuesLeafChainingToAnchors()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await TestControlPlane.StartAsync(ct);
        var token = await CreateTokenAsync(cp, "shop", "web", ct);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var channel = MeshChannel.Create(cp.Host, null);

        var response = await new IdentityClient(channel).CertifyAsync(Request(token, Web, Csr(key, Web)), cancellationToken: ct);

        using var leaf = X509CertificateLoader.LoadCertificate(response.LeafCertificate.ToByteArray());
        Assert.Contains(Web, leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().Format(false), StringComparison.Ordinal);
        Assert.Equal(leaf.NotAfter.ToUniversalTime(), response.ValidUntil.ToDateTime());
        var anchors = cp.Host.Services.GetRequiredService<MeshIdentity>().Authority.TrustAnchors;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.ExtraStore.AddRange(response.IntermediateCertificates.Select(c => X509CertificateLoader.LoadCertificate(c.ToByteArray())).ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public async Task Certify_Refusals_StatusCodesCarryReasons()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await TestControlPlane.StartAsync(ct);
        var token = await CreateTokenAsync(cp, "shop", "web", ct);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var channel = MeshChannel.Create(cp.Host, null);
        var client = new IdentityClient(channel);

        var forged = await Assert.ThrowsAsync<RpcException>(async () => await client.CertifyAsync(Request(token[..^4] + "AAAA", Web, Csr(key, Web)), cancellationToken: ct));
        Assert.Equal(StatusCode.Unauthenticated, forged.StatusCode);
        Assert.Contains("signature does not verify", forged.Status.Detail, StringComparison.Ordinal);

        var other = "spiffe://cluster.local/ns/shop/sa/admin";
        var denied = await Assert.ThrowsAsync<RpcException>(async () => await client.CertifyAsync(Request(token, other, Csr(key, other)), cancellationToken: ct));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("the token proves " + Web, denied.Status.Detail, StringComparison.Ordinal);

        var invalid = await Assert.ThrowsAsync<RpcException>(async () => await client.CertifyAsync(Request(token, Web, [1, 2, 3]), cancellationToken: ct));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
    }

    [Fact]
    public async Task RevokeApi_RevokedToken_CertifyUnauthenticated()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await TestControlPlane.StartAsync(ct);
        var (_, created) = await cp.SendJsonAsync(HttpMethod.Post, "/api/v1/tokens", new JsonObject { ["namespace"] = "shop", ["serviceAccount"] = "web" }, ct);
        var id = (string)created["id"]!;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var channel = MeshChannel.Create(cp.Host, null);
        var client = new IdentityClient(channel);
        await client.CertifyAsync(Request((string)created["token"]!, Web, Csr(key, Web)), cancellationToken: ct);

        var (status, revoked) = await cp.SendJsonAsync(HttpMethod.Post, $"/api/v1/tokens/{id}/revoke", null, ct);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True((bool)revoked["revoked"]!);
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.CertifyAsync(Request((string)created["token"]!, Web, Csr(key, Web)), cancellationToken: ct));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal($"token {id} is revoked", refused.Status.Detail);
    }

    [Theory]
    [InlineData("{\"serviceAccount\":\"web\"}", "namespace")]
    [InlineData("{\"namespace\":\"shop\",\"serviceAccount\":\"a/b\"}", "serviceAccount")]
    [InlineData("{\"namespace\":\"shop\",\"serviceAccount\":\"web\",\"ttl\":\"soon\"}", "ttl")]
    [InlineData("not json", "not JSON")]
    public async Task CreateApi_InvalidRequest_400WithReason(string body, string reason)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await TestControlPlane.StartAsync(ct);

        var (status, error) = await cp.SendAsync(HttpMethod.Post, "/api/v1/tokens", ct, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(reason, (string)error["error"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokeApi_NotATokenId_400()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await TestControlPlane.StartAsync(ct);

        var (status, error) = await cp.SendAsync(HttpMethod.Post, "/api/v1/tokens/xyz/revoke", ct);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("not a token id", (string)error["error"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_StateDirectory_KeepsCaAcrossRestarts()
    {
        var ct = TestContext.Current.CancellationToken;
        var directory = Directory.CreateTempSubdirectory("linnet-cp-identity-").FullName;
        try
        {
            var options = new ControlPlaneOptions { Identity = new IdentityOptions { Directory = directory } };
            string anchors, token;
            await using (var first = await TestControlPlane.StartAsync(ct, options: options))
            {
                anchors = first.Host.Services.GetRequiredService<MeshIdentity>().TrustAnchorsPem;
                token = await CreateTokenAsync(first, "shop", "web", ct);
            }

            await using var second = await TestControlPlane.StartAsync(ct, options: options);
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var channel = MeshChannel.Create(second.Host, null);
            await new IdentityClient(channel).CertifyAsync(Request(token, Web, Csr(key, Web)), cancellationToken: ct);

            Assert.Equal(anchors, second.Host.Services.GetRequiredService<MeshIdentity>().TrustAnchorsPem);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string> CreateTokenAsync(TestControlPlane cp, string ns, string sa, CancellationToken ct)
    {
        var (status, body) = await cp.SendJsonAsync(HttpMethod.Post, "/api/v1/tokens", new JsonObject { ["namespace"] = ns, ["serviceAccount"] = sa, ["ttl"] = "1h" }, ct);
        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        Assert.Equal($"spiffe://cluster.local/ns/{ns}/sa/{sa}", (string)body["identity"]!);
        return (string)body["token"]!;
    }

    private static CertifyRequest Request(string token, string identity, byte[] csr) => new()
    {
        Identity = identity,
        Token = ByteString.CopyFromUtf8(token),
        CertificateSigningRequest = ByteString.CopyFrom(csr),
    };

    private static byte[] Csr(ECDsa key, string uri)
    {
        var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(uri));
        request.CertificateExtensions.Add(san.Build(critical: true));
        return request.CreateSigningRequest();
    }
}
