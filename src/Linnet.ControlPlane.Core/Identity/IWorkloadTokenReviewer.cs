namespace Linnet.ControlPlane.Core.Identity;

/// <summary>Says whom a proxy's token proves, for <see cref="MeshIdentity.Certify(TokenValidation, string?, ReadOnlySpan{byte})"/>:
/// in universal mode the control plane's own signature (<see cref="SignedTokenReviewer"/>), on Kubernetes the API
/// server's TokenReview of a service-account token.</summary>
public interface IWorkloadTokenReviewer
{
    /// <summary>The claims <paramref name="token"/> proves, or why it proves nothing.</summary>
    Task<TokenValidation> ReviewAsync(string? token, CancellationToken cancellationToken);
}
