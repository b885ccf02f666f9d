using Linnet.ControlPlane.Core.Policy;

namespace Linnet.ControlPlane.Core.Tests.Policy;

/// <summary>How Linkerd-style identity names and wildcards map onto Linnet's SPIFFE ids.</summary>
public sealed class IdentityPatternTests
{
    [Theory]
    [InlineData("*", IdentityMatchKind.Any, "")]
    [InlineData("spiffe://cluster.local/ns/shop/sa/web", IdentityMatchKind.Exact, "spiffe://cluster.local/ns/shop/sa/web")]
    [InlineData("spiffe://cluster.local/ns/shop/sa/*", IdentityMatchKind.Prefix, "spiffe://cluster.local/ns/shop/sa/")]
    [InlineData("spiffe://example.org/*", IdentityMatchKind.Prefix, "spiffe://example.org/")]
    [InlineData("web.shop.serviceaccount.identity.linkerd.cluster.local", IdentityMatchKind.Exact, "spiffe://cluster.local/ns/shop/sa/web")]
    [InlineData("*.shop.serviceaccount.identity.linkerd.cluster.local", IdentityMatchKind.Prefix, "spiffe://cluster.local/ns/shop/sa/")]
    [InlineData("*.serviceaccount.identity.linkerd.example.org", IdentityMatchKind.Prefix, "spiffe://example.org/ns/")]
    public void TryParse_AcceptedForm_MapsToSpiffeMatch(string text, IdentityMatchKind kind, string value)
    {
        Assert.True(IdentityPattern.TryParse(text, out var match, out var error), error);

        Assert.Equal(new IdentityMatch(kind, value), match);
    }

    [Theory]
    [InlineData("web")]
    [InlineData("*.cluster.local")]
    [InlineData("a.b.c.shop.serviceaccount.identity.linkerd.cluster.local")]
    [InlineData("web.shop.serviceaccount.identity.linkerd")]
    [InlineData("spiffe://cluster.local/ns/shop/sa/")]
    [InlineData("spiffe:///ns/shop/sa/web")]
    public void TryParse_UnmatchableForm_RefusedWithReason(string text)
    {
        Assert.False(IdentityPattern.TryParse(text, out _, out var error));

        Assert.Contains(text, error, StringComparison.Ordinal);
    }
}
