using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Linnet.ControlPlane.Core.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Linnet.ControlPlane.Tests.Infrastructure;

/// <summary>gRPC channels to a test control plane as a proxy makes them: TLS, the server's certificate checked
/// against the mesh's trust anchors and the control plane's exact identity, optionally a client certificate.</summary>
internal static class MeshChannel
{
    /// <summary>A certificate (with its key) for <paramref name="ns"/>/<paramref name="serviceAccount"/> from the
    /// control plane's own CA, as Certify would issue it to a proxy.</summary>
    public static X509Certificate2 Issue(ControlPlaneHost host, string ns, string serviceAccount)
    {
        var mesh = host.Services.GetRequiredService<MeshIdentity>();
        var identity = mesh.IdentityOf(ns, serviceAccount);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(identity.ToString()));
        request.CertificateExtensions.Add(san.Build(critical: true));
        var result = mesh.Authority.Issue(request.CreateSigningRequest(), identity);
        Assert.True(result.IsIssued, result.Reason);
        using var leaf = X509CertificateLoader.LoadCertificate(result.Leaf);
        return leaf.CopyWithPrivateKey(key);
    }

    /// <summary>The handler a channel uses: TLS to the control plane, verified, with <paramref name="client"/>.</summary>
    public static SocketsHttpHandler Handler(ControlPlaneHost host, X509Certificate2? client)
    {
        var mesh = host.Services.GetRequiredService<MeshIdentity>();
        var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is null)
            {
                return false;
            }

            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(mesh.Authority.TrustAnchors);
            chain.ChainPolicy.ExtraStore.Add(mesh.Authority.Issuer);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationTime = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
            return chain.Build(leaf) && SpiffeId.TryFromCertificate(leaf, out var id) && id == mesh.ControlPlaneIdentity;
        };
        if (client is not null)
        {
            handler.SslOptions.ClientCertificates = [client];
        }

        return handler;
    }

    public static GrpcChannel Create(ControlPlaneHost host, X509Certificate2? client) =>
        GrpcChannel.ForAddress($"https://{host.GrpcEndPoint}", new GrpcChannelOptions { HttpHandler = Handler(host, client), DisposeHttpClient = true });
}
