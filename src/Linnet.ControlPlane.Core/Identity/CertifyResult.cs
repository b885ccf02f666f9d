namespace Linnet.ControlPlane.Core.Identity;

/// <summary>The outcome of a certificate request: the certificate and its chain, or the reason for refusing.</summary>
/// <param name="Status">Issued, or the kind of refusal.</param>
/// <param name="Reason">Why it was refused ("" when issued); meant for the proxy's log.</param>
/// <param name="Identity">The identity certified (null when refused).</param>
/// <param name="Leaf">The certificate, DER.</param>
/// <param name="Intermediates">The issuer (and anything between it and the anchor), DER, leaf-side first.</param>
/// <param name="ValidUntil">The certificate's NotAfter.</param>
public sealed record CertifyResult(
    CertifyStatus Status,
    string Reason,
    SpiffeId? Identity,
    byte[] Leaf,
    IReadOnlyList<byte[]> Intermediates,
    DateTimeOffset ValidUntil)
{
    /// <summary>Whether a certificate was issued.</summary>
    public bool IsIssued => Status == CertifyStatus.Ok;

    /// <summary>A refusal.</summary>
    public static CertifyResult Refused(CertifyStatus status, string reason) => new(status, reason, null, [], [], default);
}
