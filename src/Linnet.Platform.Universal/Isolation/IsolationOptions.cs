using System.Net;

namespace Linnet.Platform.Universal.Isolation;

/// <summary>Isolated instances (universal mode as root): each instance is a "pod" with its own network namespace
/// and address from <see cref="Network"/>, joined to the host through a bridge, its app and proxy under uids of
/// their own. Documented in <c>docs/universal-mode.md</c>.</summary>
public sealed record IsolationOptions
{
    /// <summary>Linnet's default pod range: private, and unlikely to be used by anything else on a host.</summary>
    public static readonly IPNetwork DefaultNetwork = IPNetwork.Parse("10.253.0.0/16");

    /// <summary>The range instance addresses come from: its first address is the host's end (the bridge, where
    /// the control plane is reached), its last is the address service names resolve to, the rest are pods'.</summary>
    public IPNetwork Network { get; init; } = DefaultNetwork;

    /// <summary>The first uid given to workloads: each service account gets two, <c>base + 2k</c> for its apps and
    /// <c>base + 2k + 1</c> for its proxies (no account is created; numeric uids need none).</summary>
    public int UidBase { get; init; } = 2_200_000;

    /// <summary>Where each pod's files live (its proxy's config and token, its app's home): a root-owned tree that
    /// every uid may traverse but not list, so that a workload reaches only its own files.</summary>
    public string RuntimeDirectory { get; init; } = "/run/linnet";
}
