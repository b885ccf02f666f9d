using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.ControlPlane.Tests.Security;

/// <summary>The gRPC listener's certificate: the control plane's own identity, and a new one from 70 % of the
/// old one's life (the fraction the proxies use, docs/identity.md), before it expires.</summary>
public sealed class ControlPlaneCertificateTests
{
    [Fact]
    public void Leaf_BeforeAndAfterSeventyPercentOfItsLife_KeptThenRenewedBeforeExpiry()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        using var mesh = MeshIdentity.Load(new IdentityOptions { CertificateLifetime = TimeSpan.FromHours(10), ClockSkew = TimeSpan.Zero }, "mesh.example", time);
        using var certificate = new ControlPlaneCertificate(mesh, time, NullLogger<ControlPlaneCertificate>.Instance);
        var first = certificate.Leaf;

        time.Advance(TimeSpan.FromHours(6.9));
        var beforeRenewal = certificate.Leaf;
        time.Advance(TimeSpan.FromHours(0.2));
        var renewed = certificate.Leaf;

        Assert.True(SpiffeId.TryFromCertificate(first, out var id));
        Assert.Equal("spiffe://mesh.example/ns/linnet/sa/control-plane", id.ToString());
        Assert.Same(first, beforeRenewal);
        Assert.NotEqual(first.SerialNumber, renewed.SerialNumber);
        Assert.True(renewed.NotAfter > first.NotAfter);
        Assert.True(time.GetUtcNow() < first.NotAfter.ToUniversalTime());
        Assert.True(SpiffeId.TryFromCertificate(renewed, out var renewedId));
        Assert.Equal(id, renewedId);
    }
}
