namespace Linnet.Platform.Kubernetes.Injection;

/// <summary>The annotations injection reads: Linkerd's names (pkg/k8s/labels.go), so workloads annotated for
/// Linkerd are injected the same way, and Linnet's own switch.</summary>
public static class InjectAnnotations
{
    /// <summary>Linkerd's switch: <c>enabled</c> or <c>disabled</c>, on a pod (template) or a namespace.</summary>
    public const string Inject = "linkerd.io/inject";

    /// <summary>Linnet's own switch; wins over <see cref="Inject"/> when both are set.</summary>
    public const string LinnetInject = "linnet.io/inject";

    /// <summary>The value that injects.</summary>
    public const string Enabled = "enabled";

    /// <summary>The value that does not.</summary>
    public const string Disabled = "disabled";

    /// <summary>The prefix of the proxy's configuration overrides.</summary>
    public const string ConfigPrefix = "config.linkerd.io/";

    /// <summary>Ports served as opaque TCP, without protocol detection (list and ranges).</summary>
    public const string OpaquePorts = ConfigPrefix + "opaque-ports";

    /// <summary>Inbound ports proxy-init does not redirect.</summary>
    public const string SkipInboundPorts = ConfigPrefix + "skip-inbound-ports";

    /// <summary>Outbound ports proxy-init does not redirect.</summary>
    public const string SkipOutboundPorts = ConfigPrefix + "skip-outbound-ports";

    /// <summary>Source subnets whose inbound connections proxy-init leaves to the app.</summary>
    public const string SkipSubnets = ConfigPrefix + "skip-subnets";

    /// <summary>The proxy container's CPU request.</summary>
    public const string CpuRequest = ConfigPrefix + "proxy-cpu-request";

    /// <summary>The proxy container's CPU limit.</summary>
    public const string CpuLimit = ConfigPrefix + "proxy-cpu-limit";

    /// <summary>The proxy container's memory request.</summary>
    public const string MemoryRequest = ConfigPrefix + "proxy-memory-request";

    /// <summary>The proxy container's memory limit.</summary>
    public const string MemoryLimit = ConfigPrefix + "proxy-memory-limit";

    /// <summary>The proxy container's ephemeral storage request.</summary>
    public const string EphemeralStorageRequest = ConfigPrefix + "proxy-ephemeral-storage-request";

    /// <summary>The proxy container's ephemeral storage limit.</summary>
    public const string EphemeralStorageLimit = ConfigPrefix + "proxy-ephemeral-storage-limit";

    /// <summary>The proxy's log level.</summary>
    public const string LogLevel = ConfigPrefix + "proxy-log-level";

    /// <summary>The uid the proxy runs as (proxy-init lets its traffic out unredirected).</summary>
    public const string ProxyUid = ConfigPrefix + "proxy-uid";

    /// <summary>The proxy's image, without its tag.</summary>
    public const string ProxyImage = ConfigPrefix + "proxy-image";

    /// <summary>The proxy image's tag.</summary>
    public const string ProxyVersion = ConfigPrefix + "proxy-version";

    /// <summary>proxy-init's image, without its tag (Linkerd's; a proxy-init-compatible image).</summary>
    public const string InitImage = ConfigPrefix + "init-image";

    /// <summary>proxy-init's image tag.</summary>
    public const string InitImageVersion = ConfigPrefix + "init-image-version";

    /// <summary>The image pull policy of the proxy and proxy-init.</summary>
    public const string ImagePullPolicy = ConfigPrefix + "image-pull-policy";

    /// <summary>The proxy's inbound port (4143).</summary>
    public const string InboundPort = ConfigPrefix + "inbound-port";

    /// <summary>The proxy's outbound port (4140).</summary>
    public const string OutboundPort = ConfigPrefix + "outbound-port";

    /// <summary>The proxy's admin port (4191).</summary>
    public const string AdminPort = ConfigPrefix + "admin-port";

    /// <summary>Linkerd's annotations injection knows but Linnet does not honour, with the reason it refuses them.</summary>
    public static IReadOnlyDictionary<string, string> NotHonoured { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [ConfigPrefix + "control-port"] = "Linnet's proxy has no separate control port: it dials the control plane itself",
        [ConfigPrefix + "enable-external-profiles"] = "ServiceProfiles are not supported: use HTTPRoute",
        [ConfigPrefix + "disable-identity"] = "every Linnet proxy has an identity: the mesh is mTLS throughout",
        [ConfigPrefix + "disable-tap"] = "tap cannot be switched off per workload yet",
        [ConfigPrefix + "enable-debug-sidecar"] = "Linnet has no debug sidecar",
        [ConfigPrefix + "trace-collector"] = "the proxy does not export traces",
        [ConfigPrefix + "proxy-await"] = "the proxy always starts first and the app waits for it to be ready (a native sidecar with a startup probe)",
    };
}
