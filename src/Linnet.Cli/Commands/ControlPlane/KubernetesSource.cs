using k8s;
using Linnet.Platform.Kubernetes;
using Linnet.Platform.Kubernetes.Cluster;

namespace Linnet.Cli.Commands.ControlPlane;

/// <summary>The cluster <c>linnet control-plane --platform kubernetes</c> mirrors: the API server it reaches (from
/// <c>--kubeconfig</c>, <c>KUBECONFIG</c>, <c>~/.kube/config</c> or the pod's in-cluster configuration) and the Lease
/// its replicas compete for (<c>linnet/linnet-control-plane</c>, held by <c>POD_NAME</c>).</summary>
internal sealed record KubernetesSource(KubernetesClientConfiguration Configuration, LeadershipOptions Leadership)
{
    /// <summary>Reads the configuration; false with the reason when there is none or it is unusable.</summary>
    public static bool TryCreate(string? kubeconfig, out KubernetesSource? source, out string error)
    {
        source = null;
        error = "";
        KubernetesClientConfiguration configuration;
        try
        {
            if (kubeconfig is not null)
            {
                configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
            }
            else if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 }
                || File.Exists(KubernetesClientConfiguration.KubeConfigDefaultLocation)
                || KubernetesClientConfiguration.IsInCluster())
            {
                configuration = KubernetesClientConfiguration.BuildDefaultConfig();
            }
            else
            {
                error = "--platform kubernetes: no cluster configuration: give --kubeconfig (or KUBECONFIG), or run in a pod (in-cluster configuration)";
                return false;
            }
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException or InvalidOperationException or FormatException or YamlDotNet.Core.YamlException)
        {
            error = $"--kubeconfig: {ex.Message}";
            return false;
        }

        if (!Uri.TryCreate(configuration.Host, UriKind.Absolute, out var host) || host.Scheme is not ("http" or "https"))
        {
            error = $"--kubeconfig: the cluster's server '{configuration.Host}' is not an http(s) URL";
            return false;
        }

        var ns = Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } podNamespace ? podNamespace : InstallNames.Namespace;
        var identity = Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : $"{Environment.MachineName}-{Environment.ProcessId}";
        source = new KubernetesSource(configuration, new LeadershipOptions(ns, InstallNames.ControlPlane, identity));
        return true;
    }
}
