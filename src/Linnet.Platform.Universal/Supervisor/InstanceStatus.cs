namespace Linnet.Platform.Universal.Supervisor;

/// <summary>A running instance as the supervisor sees it (for <c>linnet logs</c> and <c>describe</c>).</summary>
/// <param name="Namespace">The workload's namespace.</param>
/// <param name="Workload">The workload's name.</param>
/// <param name="Index">The replica index.</param>
/// <param name="Name">The instance name, <c>&lt;workload&gt;-&lt;index&gt;</c>.</param>
/// <param name="Address">Its own loopback address (app ports, proxy 4140/4143/4191).</param>
/// <param name="AppPid">The app's process id, null while it is not running.</param>
/// <param name="ProxyPid">The proxy's process id, null while it is not running.</param>
/// <param name="Restarts">How many times its app or proxy was restarted after exiting.</param>
/// <param name="Ready">The proxy reports ready and the app accepts connections on its primary port.</param>
/// <param name="AppLogPath">The app's output (appended across restarts).</param>
/// <param name="ProxyLogPath">The proxy's output (appended across restarts).</param>
/// <param name="LastExit">How its app or proxy last ended, or failed to start; null while neither has.</param>
public sealed record InstanceStatus(
    string Namespace,
    string Workload,
    int Index,
    string Name,
    string Address,
    int? AppPid,
    int? ProxyPid,
    int Restarts,
    bool Ready,
    string AppLogPath,
    string ProxyLogPath,
    Linnet.ControlPlane.Core.Resources.InstanceExit? LastExit = null);
