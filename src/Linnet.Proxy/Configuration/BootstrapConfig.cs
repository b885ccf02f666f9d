using System.Net;

namespace Linnet.Proxy.Configuration;

/// <summary>What a proxy needs before it can serve: listeners, the local app, timeouts. Fixed for the
/// life of the process; the services it routes to come from an <see cref="IProxyConfigProvider"/>.</summary>
internal sealed record BootstrapConfig
{
    /// <summary>Linkerd's inbound port.</summary>
    public const int DefaultInboundPort = 4143;

    /// <summary>Linkerd's outbound port.</summary>
    public const int DefaultOutboundPort = 4140;

    /// <summary>Linkerd's admin port.</summary>
    public const int DefaultAdminPort = 4191;

    /// <summary>Workload labels.</summary>
    public WorkloadInfo Workload { get; init; } = new("default", "unknown", Environment.MachineName);

    /// <summary>Inbound listener: in front of the local app.</summary>
    public IPEndPoint InboundListen { get; init; } = new(IPAddress.Any, DefaultInboundPort);

    /// <summary>Outbound listener: the app's calls to other services.</summary>
    public IPEndPoint OutboundListen { get; init; } = new(IPAddress.Loopback, DefaultOutboundPort);

    /// <summary>Admin listener: <c>/metrics</c>, <c>/ready</c>, <c>/live</c>.</summary>
    public IPEndPoint AdminListen { get; init; } = new(IPAddress.Any, DefaultAdminPort);

    /// <summary>The host the local app listens on.</summary>
    public string AppHost { get; init; } = "127.0.0.1";

    /// <summary>The app port inbound connections go to when nothing else names one.</summary>
    public int AppPort { get; init; } = 8080;

    /// <summary>The ports the app serves (the workload's declared ports). A mesh connection's transport header may
    /// name only these; when empty, any port that is not one of the proxy's own listeners.</summary>
    public IReadOnlySet<int> AppPorts { get; init; } = new HashSet<int>();

    /// <summary>App ports whose traffic is forwarded as opaque TCP without protocol detection.</summary>
    public IReadOnlySet<int> InboundOpaquePorts { get; init; } = new HashSet<int>();

    /// <summary>Destination ports (after <c>SO_ORIGINAL_DST</c>) forwarded as opaque TCP on the outbound side.</summary>
    public IReadOnlySet<int> OutboundOpaquePorts { get; init; } = new HashSet<int>();

    /// <summary>How long a new connection may stay silent before it is treated as opaque.</summary>
    public TimeSpan DetectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long in-flight work may go on after SIGTERM before connections are closed.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connect timeout towards endpoints and the app.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether plaintext HTTP/1.1 → HTTP/1.1 hops take the fast forward path (<c>Http/Http1Forwarder</c>)
    /// rather than YARP's; <c>LINNET_PROXY_HTTP1_FORWARDER=fast|yarp</c> (default fast) sets it.</summary>
    public bool FastHttp1Forwarder { get; init; } = true;

    /// <summary>Whether the inbound/outbound listeners honour iptables redirection (<c>SO_ORIGINAL_DST</c>).</summary>
    public bool TransparentMode { get; init; } = true;

    /// <summary>The control plane's Destination API as <c>host:port</c> (HTTP/2 over TLS). When set, services
    /// come from its stream instead of the config file.</summary>
    public string? ControlPlaneAddress { get; init; }

    /// <summary>The identity the control plane must prove (exactly) before the proxy sends it a token or takes
    /// config from it; null: <c>spiffe://&lt;the proxy's trust domain&gt;/ns/linnet/sa/control-plane</c>.</summary>
    public string? ControlPlaneIdentity { get; init; }

    /// <summary>How the proxy gets its mTLS identity; null: no identity, plaintext everywhere.</summary>
    public IdentityBootstrapConfig? Identity { get; init; }

    /// <summary>The default inbound policy enforced until the control plane's first policy answer (with no control
    /// plane, always): <c>inbound.defaultPolicy</c>, as Linkerd's <c>LINKERD2_PROXY_INBOUND_DEFAULT_POLICY</c>, which its
    /// injector sets from <c>config.linkerd.io/default-inbound-policy</c>. Linkerd's default: all-unauthenticated.</summary>
    public DefaultInboundPolicy DefaultInboundPolicy { get; init; } = DefaultInboundPolicy.AllUnauthenticated;

    /// <summary>Whether inbound meshed ports also accept plaintext (only meaningful with <see cref="Identity"/>).</summary>
    public InboundTlsMode InboundTls { get; init; } = InboundTlsMode.Permissive;
}
