using Linnet.ControlPlane.Core.Resources;
using Linnet.Platform.Universal.Images;
using Linnet.Platform.Universal.Isolation;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>What one instance runs and where: fixed for the instance's life (a spec change replaces it).</summary>
/// <param name="Key">Its replica slot.</param>
/// <param name="Address">Its own loopback address.</param>
/// <param name="Spec">The workload spec it was started from.</param>
/// <param name="Directory">Its folder in the data directory: logs and pid files (the supervisor's alone).</param>
internal sealed record InstancePlan(InstanceKey Key, string Address, WorkloadSpec Spec, string Directory)
{
    /// <summary>Its pod when instances are isolated; null when it shares the host.</summary>
    public Pod? Pod { get; init; }

    /// <summary>The control plane's address as this instance's proxy reaches it (from a pod: through the host's
    /// bridge address). The one place the supervisor decides it; null: no control plane.</summary>
    public string? ControlPlaneAddress { get; init; }

    /// <summary>Where the files the proxy reads are: the pod's folder, or the instance's folder.</summary>
    public string FilesDirectory => Pod?.Directory ?? Directory;

    public string ProxyConfigPath => Path.Combine(FilesDirectory, "proxy.yaml");

    public string AppLogPath => Path.Combine(Directory, "app.log");

    public string ProxyLogPath => Path.Combine(Directory, "proxy.log");

    public string WorkingDirectory => Spec.WorkingDir ?? Pod?.AppHome ?? Directory;

    /// <summary>The proxy's workload token (owner-only).</summary>
    public string TokenPath => Path.Combine(FilesDirectory, "token");

    /// <summary>The trust anchors the proxy's peers must chain to.</summary>
    public string TrustAnchorsPath => Path.Combine(FilesDirectory, "trust-anchors.pem");

    /// <summary>The proxy's inbound TLS mode: <c>permissive</c> or <c>strict</c> (from the Workload's annotation).</summary>
    public string InboundTls { get; init; } = InstanceIdentity.Permissive;

    /// <summary>The proxy's default inbound policy until the control plane answers (a <c>DefaultInboundPolicies</c>
    /// name, from <c>PolicyTranslator.DefaultPolicy</c>).</summary>
    public string DefaultInboundPolicy { get; init; } = Linnet.Api.Policy.DefaultInboundPolicies.AllUnauthenticated;

    /// <summary>The pulled and unpacked image the app runs from; null runs the spec's command from the host.</summary>
    public ResolvedImage? Image { get; init; }
}
