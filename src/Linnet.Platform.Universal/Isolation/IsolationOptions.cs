using System.Net;

namespace Linnet.Platform.Universal.Isolation;

/// <summary>Isolated instances (universal mode as root): each instance is a "pod" with its own network namespace
/// and address from <see cref="Network"/>, joined to the host through a bridge, its app and proxy under uids of
/// their own. Documented in <c>docs/universal-mode.md</c>.</summary>
public sealed record IsolationOptions
{
    /// <summary>Where a mesh's pod range is chosen when none is given: private, and unlikely to be used by anything
    /// else on a host. Each mesh takes a /22 of it (1,021 pods), so that several meshes (a demo beside a test run, a
    /// mesh whose last run crashed and left its bridge) share a host without a flag.</summary>
    public static readonly IPNetwork DefaultNetwork = IPNetwork.Parse("10.253.0.0/16");

    /// <summary>The size of the range a mesh takes from <see cref="DefaultNetwork"/>.</summary>
    public const int DefaultPrefixLength = 22;

    /// <summary>The range instance addresses come from: its first address is the host's end (the bridge, where
    /// the control plane is reached), its last is the address service names resolve to, the rest are pods'.
    /// Null: a free /22 of <see cref="DefaultNetwork"/>, chosen when the bridge is made
    /// (<see cref="IsolationSupport.PrepareBridge"/>).</summary>
    public IPNetwork? Network { get; init; }

    /// <summary>The first uid given to workloads: each service account gets two, <c>base + 2k</c> for its apps and
    /// <c>base + 2k + 1</c> for its proxies (no account is created; numeric uids need none).</summary>
    public int UidBase { get; init; } = 2_200_000;

    /// <summary>Where each pod's files live (its proxy's config and token, its app's home): a root-owned tree that
    /// every uid may traverse but not list, so that a workload reaches only its own files.</summary>
    public string RuntimeDirectory { get; init; } = "/run/linnet";
}
