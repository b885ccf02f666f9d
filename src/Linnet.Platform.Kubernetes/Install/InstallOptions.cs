namespace Linnet.Platform.Kubernetes.Install;

/// <summary>What <c>linnet install</c> is asked for.</summary>
public sealed record InstallOptions
{
    /// <summary>The version the images are tagged with by default.</summary>
    public const string DefaultVersion = "0.1.0";

    /// <summary>The control plane's image.</summary>
    public string ControlPlaneImage { get; init; } = $"linnet/control-plane:{DefaultVersion}";

    /// <summary>The proxy's image (injection's default).</summary>
    public string ProxyImage { get; init; } = $"linnet/proxy:{DefaultVersion}";

    /// <summary>The injected proxy-init's image (Linkerd's, as its chart pins it).</summary>
    public string InitImage { get; init; } = Injection.InjectionSettings.DefaultInitImage;

    /// <summary>The mesh-wide default inbound policy (Linkerd's <c>proxy.defaultInboundPolicy</c>): what the control plane
    /// serves, and the injector writes into a proxy's config, where a pod and its namespace set none.</summary>
    public string DefaultInboundPolicy { get; init; } = Linnet.Api.Policy.DefaultInboundPolicies.AllUnauthenticated;

    /// <summary>The trust domain of workload identities.</summary>
    public string TrustDomain { get; init; } = "cluster.local";

    /// <summary>The Secret (in the control plane's namespace) whose key <see cref="NotificationsKey"/> is the control plane's
    /// <c>--notifications-file</c> (docs/notifications.md): where AlertProviders' <c>secretRef</c>s and Keel's notifications
    /// point. Null: no notifications file, as an install without the flag.</summary>
    public string? NotificationsSecret { get; init; }

    /// <summary>The key of <see cref="NotificationsSecret"/> that holds the notifications file.</summary>
    public const string NotificationsKey = "notifications.json";

    /// <summary>Control-plane replicas.</summary>
    public int Replicas { get; init; } = 1;
}
