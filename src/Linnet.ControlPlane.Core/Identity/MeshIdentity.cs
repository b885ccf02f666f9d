namespace Linnet.ControlPlane.Core.Identity;

/// <summary>The mesh's identity authority: the CA and the workload tokens that say who may have which
/// certificate. <see cref="Certify"/> is the whole decision behind the <c>Certify</c> RPC.</summary>
public sealed class MeshIdentity : IDisposable
{
    /// <summary>Combines a CA and a token signer.</summary>
    public MeshIdentity(CertificateAuthority authority, WorkloadTokens tokens)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(tokens);
        Authority = authority;
        Tokens = tokens;
    }

    /// <summary>The certificate authority.</summary>
    public CertificateAuthority Authority { get; }

    /// <summary>The workload token signer and checker.</summary>
    public WorkloadTokens Tokens { get; }

    /// <summary>The trust domain.</summary>
    public string TrustDomain => Authority.TrustDomain;

    /// <summary>The trust anchors as a PEM bundle, for proxies.</summary>
    public string TrustAnchorsPem => Authority.TrustAnchorsPem;

    /// <summary>Loads (or, on first start, generates) the CA and the token key as <paramref name="options"/> say.</summary>
    /// <exception cref="IdentityConfigurationException">The files are missing, unreadable or do not fit.</exception>
    public static MeshIdentity Load(IdentityOptions options, string trustDomain, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var authority = CertificateAuthorityLoader.Load(options, trustDomain, time);
        try
        {
            return new MeshIdentity(authority, WorkloadTokens.Load(options.Directory, time, options.ClockSkew));
        }
        catch
        {
            authority.Dispose();
            throw;
        }
    }

    /// <summary>The audience of the service-account tokens proxies present on Kubernetes (the injected projected
    /// volume's): a token the API server issued for any other audience proves nothing here.</summary>
    public const string ServiceAccountTokenAudience = "identity.linnet.io";

    /// <summary>The namespace of the control plane's own identity.</summary>
    public const string ControlPlaneNamespace = "linnet";

    /// <summary>The service account of the control plane's own identity.</summary>
    public const string ControlPlaneServiceAccount = "control-plane";

    /// <summary>The control plane's own identity, <c>spiffe://&lt;td&gt;/ns/linnet/sa/control-plane</c>: proxies
    /// accept config and send tokens only to a server proving it, so no workload is ever issued it.</summary>
    public SpiffeId ControlPlaneIdentity => IdentityOf(ControlPlaneNamespace, ControlPlaneServiceAccount);

    /// <summary>Issues the control plane's own certificate for the key in <paramref name="csrDer"/>.</summary>
    public CertifyResult IssueControlPlane(ReadOnlySpan<byte> csrDer) => Authority.Issue(csrDer, ControlPlaneIdentity);

    /// <summary>The identity a namespace and service account have in this mesh.</summary>
    public SpiffeId IdentityOf(string ns, string serviceAccount) => new(TrustDomain, ns, serviceAccount);

    /// <summary>Checks <paramref name="token"/>, that <paramref name="requestedIdentity"/> (when given) is the one
    /// it proves, and the CSR; issues the certificate or says why not.</summary>
    public CertifyResult Certify(string? token, string? requestedIdentity, ReadOnlySpan<byte> csrDer) =>
        Certify(Tokens.Validate(token), requestedIdentity, csrDer);

    /// <summary>Given what a token proves (<paramref name="validation"/>, from an <see cref="IWorkloadTokenReviewer"/>),
    /// checks that <paramref name="requestedIdentity"/> (when given) is that identity, and the CSR; issues the
    /// certificate or says why not.</summary>
    public CertifyResult Certify(TokenValidation validation, string? requestedIdentity, ReadOnlySpan<byte> csrDer)
    {
        ArgumentNullException.ThrowIfNull(validation);
        if (validation.Claims is not { } claims)
        {
            return CertifyResult.Refused(CertifyStatus.Unauthenticated, validation.Reason);
        }

        var proven = IdentityOf(claims.Namespace, claims.ServiceAccount);
        if (proven == ControlPlaneIdentity)
        {
            return CertifyResult.Refused(CertifyStatus.PermissionDenied, $"{proven} is the control plane's own identity; no workload may hold it");
        }

        if (!string.IsNullOrEmpty(requestedIdentity) && !string.Equals(requestedIdentity, proven.ToString(), StringComparison.Ordinal))
        {
            return CertifyResult.Refused(CertifyStatus.PermissionDenied, $"the request asks for {requestedIdentity} but the token proves {proven}");
        }

        if (csrDer.IsEmpty)
        {
            return CertifyResult.Refused(CertifyStatus.InvalidArgument, "no certificate signing request was given");
        }

        return Authority.Issue(csrDer, proven);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Authority.Dispose();
        Tokens.Dispose();
    }
}
