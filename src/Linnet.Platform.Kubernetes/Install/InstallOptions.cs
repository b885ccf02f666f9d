namespace Linnet.Platform.Kubernetes.Install;

/// <summary>What <c>linnet install</c> is asked for.</summary>
public sealed record InstallOptions
{
    /// <summary>The version the images are tagged with by default.</summary>
    public const string DefaultVersion = "0.1.0";

    /// <summary>The control plane's image.</summary>
    public string ControlPlaneImage { get; init; } = $"linnet/control-plane:{DefaultVersion}";

    /// <summary>The proxy's image (injection's default; proxy-init is the same image's <c>init</c> mode).</summary>
    public string ProxyImage { get; init; } = $"linnet/proxy:{DefaultVersion}";

    /// <summary>The trust domain of workload identities.</summary>
    public string TrustDomain { get; init; } = "cluster.local";

    /// <summary>Control-plane replicas.</summary>
    public int Replicas { get; init; } = 1;
}
