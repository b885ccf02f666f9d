namespace Linnet.ControlPlane.Core.Identity;

/// <summary>How the control plane's certificate authority and token signer are set up.</summary>
public sealed record IdentityOptions
{
    /// <summary>Linkerd's default workload certificate lifetime.</summary>
    public static readonly TimeSpan DefaultCertificateLifetime = TimeSpan.FromHours(24);

    /// <summary>Linkerd's clock-skew allowance.</summary>
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(20);

    /// <summary>Where generated keys, certificates and the revocation list live (created 0700, keys 0600);
    /// null keeps everything in memory for the life of the process (tests, throwaway meshes).</summary>
    public string? Directory { get; init; }

    /// <summary>A PEM bundle of trust anchors supplied by the user (Linkerd's <c>--identity-trust-anchors-file</c>);
    /// with the two issuer files, replaces the generated CA.</summary>
    public string? TrustAnchorsFile { get; init; }

    /// <summary>The issuer certificate (PEM) supplied by the user; must chain to one of the trust anchors.</summary>
    public string? IssuerCertificateFile { get; init; }

    /// <summary>The issuer's private key (PEM, PKCS#8 or SEC1) supplied by the user.</summary>
    public string? IssuerKeyFile { get; init; }

    /// <summary>How long workload certificates are valid.</summary>
    public TimeSpan CertificateLifetime { get; init; } = DefaultCertificateLifetime;

    /// <summary>How far clocks may disagree: certificates start this much in the past, tokens stay valid this
    /// much past their expiry.</summary>
    public TimeSpan ClockSkew { get; init; } = DefaultClockSkew;

    /// <summary>Whether the user supplied any of the CA files.</summary>
    public bool HasUserCa => TrustAnchorsFile is not null || IssuerCertificateFile is not null || IssuerKeyFile is not null;
}
