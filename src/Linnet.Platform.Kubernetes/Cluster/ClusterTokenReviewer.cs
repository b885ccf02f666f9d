using k8s;
using k8s.Autorest;
using k8s.Models;
using Linnet.ControlPlane.Core.Identity;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>Identities from service-account tokens, as Linkerd's identity controller proves them: the token a proxy
/// presents (its pod's projected token) is sent to the API server in a TokenReview (authentication.k8s.io/v1) for
/// <paramref name="audience"/>; it proves <c>ns/&lt;ns&gt;/sa/&lt;sa&gt;</c> only when the review says it is
/// authenticated, names that audience among its <c>status.audiences</c> (an audience-unaware authenticator's answer
/// proves nothing), and authenticates a service account (<c>system:serviceaccount:&lt;ns&gt;:&lt;sa&gt;</c>). The token
/// itself is never logged or kept.</summary>
public sealed class ClusterTokenReviewer(IKubernetes client, string audience, TimeProvider time) : IWorkloadTokenReviewer
{
    private const string ServiceAccountPrefix = "system:serviceaccount:";

    /// <inheritdoc />
    public async Task<TokenValidation> ReviewAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return TokenValidation.Refused("no token was given: mount the pod's service-account token (projected, audience " + audience + ")");
        }

        V1TokenReview review;
        try
        {
            review = await client.AuthenticationV1.CreateTokenReviewAsync(
                new V1TokenReview { ApiVersion = "authentication.k8s.io/v1", Kind = "TokenReview", Spec = new V1TokenReviewSpec { Token = token.Trim(), Audiences = [audience] } },
                cancellationToken: cancellationToken);
        }
        catch (HttpOperationException ex)
        {
            return TokenValidation.Refused($"the API server could not review the token ({(int)ex.Response.StatusCode} {ex.Response.ReasonPhrase}); try again later");
        }
        catch (HttpRequestException ex)
        {
            return TokenValidation.Refused($"the API server could not be reached to review the token ({ex.Message}); try again later");
        }

        var status = review.Status;
        if (status?.Authenticated != true)
        {
            var why = string.IsNullOrEmpty(status?.Error) ? "" : $": {status.Error}";
            return TokenValidation.Refused($"the API server did not authenticate the token{why}");
        }

        if (status.Audiences is not { } audiences || !audiences.Contains(audience, StringComparer.Ordinal))
        {
            return TokenValidation.Refused($"the token is not for audience {audience}");
        }

        var username = status.User?.Username ?? "";
        var parts = username.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal) ? username[ServiceAccountPrefix.Length..].Split(':') : [];
        if (parts.Length != 2 || !SpiffeId.IsName(parts[0]) || !SpiffeId.IsName(parts[1]))
        {
            return TokenValidation.Refused($"the token authenticates '{username}', not a service account (system:serviceaccount:<namespace>:<name>)");
        }

        // A review says nothing of the token's lifetime: the claims hold at the time of the review.
        var now = time.GetUtcNow();
        return new TokenValidation(new TokenClaims(status.User!.Uid ?? "", parts[0], parts[1], now, now), "");
    }
}
