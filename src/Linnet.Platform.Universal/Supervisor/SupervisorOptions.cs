using System.Net;
using Linnet.Platform.Universal.Isolation;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>How the universal-mode supervisor runs workloads.</summary>
public sealed record SupervisorOptions
{
    /// <summary>The root of the supervisor's files; each instance gets <c>instances/&lt;ns&gt;/&lt;workload&gt;-&lt;i&gt;/</c>
    /// with its <c>proxy.yaml</c>, <c>app.log</c> and <c>proxy.log</c>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The control plane's gRPC address (<c>host:port</c>) given to every proxy; null runs the
    /// proxies without a control plane (no services to route to).</summary>
    public string? ControlPlaneAddress { get; init; }

    /// <summary><c>linnet-proxy.dll</c> (run with <c>dotnet</c>, or the native executable beside it when
    /// present) or the path of an executable.</summary>
    public required string ProxyCommand { get; init; }

    /// <summary>Where a workload's bare <c>command</c> is looked up when it is not on the <c>PATH</c>: the
    /// programs shipped with <c>linnet</c> (the sample apps of <c>samples/demo/mesh.yaml</c>).</summary>
    public IReadOnlyList<string> ProgramDirectories { get; init; } = [];

    /// <summary>The first delay before restarting a crashed app or proxy; doubled on each crash.</summary>
    public TimeSpan MinRestartBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay before a restart.</summary>
    public TimeSpan MaxRestartBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A process that ran this long before it crashed is restarted after <see cref="MinRestartBackoff"/> again.</summary>
    public TimeSpan BackoffResetAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a process may take to exit after SIGTERM before it (and its children) get SIGKILL.</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the stop of an instance taken out of the endpoints (scaled down, replaced) waits for
    /// the other instances' proxies to apply that change, so that none sends it requests once its app stops.</summary>
    public TimeSpan EndpointRemovalTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an app's first start waits for its proxy to be ready (Linkerd's proxy-await).</summary>
    public TimeSpan ProxyAwaitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where instance addresses start (upward, skipping host bytes 0 and 255); within 127.0.0.0/8.</summary>
    public IPAddress FirstAddress { get; init; } = IPAddress.Parse("127.1.0.1");

    /// <summary>The control plane's mesh-wide default inbound policy (<c>ControlPlaneOptions.DefaultInboundPolicy</c>):
    /// each proxy's config carries its Workload's default policy, decided as the control plane's policy translator
    /// decides it, which the proxy enforces until the control plane's first answer.</summary>
    public string DefaultInboundPolicy { get; init; } = Linnet.Api.Policy.DefaultInboundPolicies.AllUnauthenticated;

    /// <summary>Variables every app is started with besides its own (the control plane's public webhook key, so that a
    /// receiver in any pod, under any uid, can check the control plane's calls); the instance's own variables win.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>When set, every instance is an isolated pod (needs root; see <see cref="IsolationSupport.Unavailable"/>);
    /// null: instances share the host, each on a loopback address from <see cref="FirstAddress"/>.</summary>
    public IsolationOptions? Isolation { get; init; }
}
