using Linnet.Platform.Kubernetes.Injection;

namespace Linnet.Platform.Kubernetes.Tests.Injection;

internal static class InjectFixture
{
    /// <summary>A real trust anchor (P-256, checked in so outputs are stable).</summary>
    public static string AnchorsPem => File.ReadAllText(Repository.Asset("inject/trust-anchors.pem"));

    public static InjectionSettings Settings => new("linnet/proxy:0.1.0", "cluster.local", AnchorsPem);
}
