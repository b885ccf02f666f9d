namespace Linnet.ControlPlane.Core.Identity;

/// <summary>Why a certificate request was refused, in the categories gRPC statuses carry.</summary>
public enum CertifyStatus
{
    /// <summary>Issued.</summary>
    Ok,

    /// <summary>The request itself is wrong: an unparsable CSR, a bad CSR signature, a key that is not P-256.</summary>
    InvalidArgument,

    /// <summary>The token does not prove anything: malformed, forged, expired or revoked.</summary>
    Unauthenticated,

    /// <summary>The token is good but asks for another identity than it proves.</summary>
    PermissionDenied,
}
