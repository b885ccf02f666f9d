using Microsoft.AspNetCore.Authorization;

namespace Linnet.ControlPlane.Security;

/// <summary>The names of the HTTP API's one authentication scheme and its policies.</summary>
public static class ApiAuthentication
{
    /// <summary>The bearer scheme every HTTP API request is authenticated with.</summary>
    public const string Scheme = "LinnetBearer";

    /// <summary>The role of the admin credential.</summary>
    public const string AdminRole = "admin";

    /// <summary>The policy of endpoints only the admin may call (every endpoint, by the fallback policy; token
    /// minting and revocation name it explicitly as well).</summary>
    public const string AdminPolicy = "linnet-admin";

    /// <summary>The role of an approver credential (<see cref="ApproverCredentials"/>): votes on image updates only.</summary>
    public const string ApproverRole = "approver";

    /// <summary>The policy of the approvals API: the admin or an approver.</summary>
    public const string ApprovalsPolicy = "linnet-approvals";

    /// <summary>The realm in <c>WWW-Authenticate</c>.</summary>
    public const string Realm = "linnet";

    /// <summary>The admin policy: an authenticated caller holding the admin role.</summary>
    public static AuthorizationPolicy Admin { get; } = new AuthorizationPolicyBuilder(Scheme)
        .RequireAuthenticatedUser()
        .RequireRole(AdminRole)
        .Build();

    /// <summary>The approvals policy: an authenticated caller holding the admin or the approver role.</summary>
    public static AuthorizationPolicy Approvals { get; } = new AuthorizationPolicyBuilder(Scheme)
        .RequireAuthenticatedUser()
        .RequireRole(AdminRole, ApproverRole)
        .Build();
}
