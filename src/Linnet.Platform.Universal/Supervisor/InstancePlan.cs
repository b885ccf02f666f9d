using Linnet.ControlPlane.Core.Resources;
using Linnet.Platform.Universal.Images;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>What one instance runs and where: fixed for the instance's life (a spec change replaces it).</summary>
/// <param name="Key">Its replica slot.</param>
/// <param name="Address">Its own loopback address.</param>
/// <param name="Spec">The workload spec it was started from.</param>
/// <param name="Directory">Its folder: proxy config and logs.</param>
internal sealed record InstancePlan(InstanceKey Key, string Address, WorkloadSpec Spec, string Directory)
{
    public string ProxyConfigPath => Path.Combine(Directory, "proxy.yaml");

    public string AppLogPath => Path.Combine(Directory, "app.log");

    public string ProxyLogPath => Path.Combine(Directory, "proxy.log");

    public string WorkingDirectory => Spec.WorkingDir ?? Directory;

    /// <summary>The proxy's workload token (owner-only).</summary>
    public string TokenPath => Path.Combine(Directory, "token");

    /// <summary>The trust anchors the proxy's peers must chain to.</summary>
    public string TrustAnchorsPath => Path.Combine(Directory, "trust-anchors.pem");

    /// <summary>The proxy's inbound TLS mode: <c>permissive</c> or <c>strict</c> (from the Workload's annotation).</summary>
    public string InboundTls { get; init; } = InstanceIdentity.Permissive;

    /// <summary>The pulled and unpacked image the app runs from; null runs the spec's command from the host.</summary>
    public ResolvedImage? Image { get; init; }
}
