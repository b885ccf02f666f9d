using Linnet.ControlPlane.Core.Identity;
using Linnet.Platform.Kubernetes.Cluster;

namespace Linnet.Platform.Kubernetes.Tests.Cluster;

/// <summary>Identities from service-account tokens: the reviewer asks the (fake) API server for a TokenReview with the
/// control plane's audience, and a token proves <c>ns/&lt;ns&gt;/sa/&lt;sa&gt;</c> only when the API server authenticated
/// it for that audience as a service account.</summary>
public sealed class ClusterTokenReviewerTests : IAsyncLifetime
{
    private ClusterHarness _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await ClusterHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    private ClusterTokenReviewer Reviewer => new(_cluster.Client, MeshIdentity.ServiceAccountTokenAudience, TimeProvider.System);

    [Fact]
    public async Task ReviewAsync_ProjectedServiceAccountToken_ProvesItsNamespaceAndServiceAccount()
    {
        var token = _cluster.Server.IssueServiceAccountToken("shop", "web", MeshIdentity.ServiceAccountTokenAudience);

        var validation = await Reviewer.ReviewAsync(token + "\n", TestContext.Current.CancellationToken);

        Assert.True(validation.IsValid, validation.Reason);
        Assert.Equal(("shop", "web"), (validation.Claims!.Namespace, validation.Claims.ServiceAccount));
        Assert.Contains(_cluster.Server.Requests, r => r.Method == "POST" && r.Path == Linnet.Testing.Kubernetes.FakeApiServer.TokenReviewsPath);
    }

    [Fact]
    public async Task ReviewAsync_UnknownToken_RefusedAsNotAuthenticated()
    {
        var validation = await Reviewer.ReviewAsync("forged", TestContext.Current.CancellationToken);

        Assert.False(validation.IsValid);
        Assert.Contains("did not authenticate", validation.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReviewAsync_TokenForAnotherAudience_Refused()
    {
        // The pod's default token (the API server's audience): valid in the cluster, proves nothing to the mesh.
        var token = _cluster.Server.IssueServiceAccountToken("shop", "web");

        var validation = await Reviewer.ReviewAsync(token, TestContext.Current.CancellationToken);

        Assert.False(validation.IsValid);
        Assert.Contains("did not authenticate", validation.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReviewAsync_UserTokenNotAServiceAccount_Refused()
    {
        var token = _cluster.Server.IssueToken("jane@example.com", ["system:authenticated"], MeshIdentity.ServiceAccountTokenAudience);

        var validation = await Reviewer.ReviewAsync(token, TestContext.Current.CancellationToken);

        Assert.False(validation.IsValid);
        Assert.Contains("'jane@example.com', not a service account", validation.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReviewAsync_NoToken_RefusedWithoutAskingTheApiServer()
    {
        var validation = await Reviewer.ReviewAsync("  ", TestContext.Current.CancellationToken);

        Assert.False(validation.IsValid);
        Assert.Contains("no token", validation.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.Path == Linnet.Testing.Kubernetes.FakeApiServer.TokenReviewsPath);
    }

    [Fact]
    public async Task ReviewAsync_ApiServerRefusesTheControlPlane_RefusedWithTheCode()
    {
        var token = _cluster.Server.IssueServiceAccountToken("shop", "web", MeshIdentity.ServiceAccountTokenAudience);
        using var unauthorised = new k8s.Kubernetes(new k8s.KubernetesClientConfiguration { Host = _cluster.Server.BaseUri.ToString(), AccessToken = "wrong" });

        var validation = await new ClusterTokenReviewer(unauthorised, MeshIdentity.ServiceAccountTokenAudience, TimeProvider.System).ReviewAsync(token, TestContext.Current.CancellationToken);

        Assert.False(validation.IsValid);
        Assert.Contains("401", validation.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(token, validation.Reason, StringComparison.Ordinal);
    }
}
