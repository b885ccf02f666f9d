namespace Linnet.ControlPlane.Core.Identity;

/// <summary>Universal mode's reviewer: a workload token signed by the control plane's own key (<see cref="WorkloadTokens"/>).</summary>
public sealed class SignedTokenReviewer(WorkloadTokens tokens) : IWorkloadTokenReviewer
{
    /// <inheritdoc />
    public Task<TokenValidation> ReviewAsync(string? token, CancellationToken cancellationToken) => Task.FromResult(tokens.Validate(token));
}
