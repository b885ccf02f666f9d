using System.Globalization;
using System.Net;
using Linnet.Platform.Universal.Supervisor;

namespace Linnet.Platform.Universal.Isolation;

/// <summary>One instance's pod: its network namespace, the veth end on the host, its address, the uids its app
/// and proxy run as, and its files' folder.</summary>
/// <param name="NetworkNamespace">The namespace's name (<c>ip netns list</c>).</param>
/// <param name="HostVeth">The host end of its veth pair, a port of the mesh's bridge.</param>
/// <param name="Address">Its address (on <c>eth0</c> inside the namespace).</param>
/// <param name="Gateway">The host's address on the bridge: where the control plane is reached from the pod.</param>
/// <param name="AppUid">The uid (and gid) its app runs as.</param>
/// <param name="ProxyUid">The uid (and gid) its proxy runs as, exempt from the redirection.</param>
/// <param name="Directory">Its files: the proxy's config, token and trust anchors (root-owned, traversable).</param>
/// <param name="ServicesAddress">Where service names resolve in its <c>/etc/hosts</c>.</param>
internal sealed record Pod(string NetworkNamespace, string HostVeth, IPAddress Address, IPAddress Gateway, int AppUid, int ProxyUid, string Directory, IPAddress ServicesAddress)
{
    /// <summary>The app's working directory and <c>HOME</c>: its own, writable, closed to everyone else.</summary>
    public string AppHome => Path.Combine(Directory, "app");

    /// <summary>The app's own copy of its image's files, when it runs an image (<see cref="PodImage"/>).</summary>
    public string ImageRoot => Path.Combine(Directory, "rootfs");

    /// <summary>Runs <paramref name="launch"/> inside the pod's namespace (with its <c>/etc/hosts</c>) as
    /// <paramref name="uid"/>, with no supplementary groups and no way to gain privileges.</summary>
    public ProcessLaunch Wrap(ProcessLaunch launch, int uid)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var id = uid.ToString(CultureInfo.InvariantCulture);
        return launch with
        {
            FileName = "ip",
            Arguments =
            [
                "netns", "exec", NetworkNamespace,
                "setpriv", $"--reuid={id}", $"--regid={id}", "--clear-groups", "--no-new-privs", "--",
                launch.FileName, .. launch.Arguments,
            ],
        };
    }
}
