using k8s;
using Linnet.ControlPlane.Core.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>Registers the Kubernetes platform.</summary>
public static class KubernetesPlatformServiceCollectionExtensions
{
    /// <summary>Adds the platform over <paramref name="client"/> (from a kubeconfig or the in-cluster configuration:
    /// <see cref="KubernetesClientConfiguration.BuildDefaultConfig"/>), filling the registered
    /// <see cref="IResourceStore"/>.</summary>
    public static IServiceCollection AddLinnetKubernetesPlatform(this IServiceCollection services, IKubernetes client, KubernetesPlatformOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(client);
        services.TryAddSingleton(options);
        services.TryAddSingleton(sp => new ClusterMirror(sp.GetRequiredService<IResourceStore>(), sp.GetRequiredService<ILogger<ClusterMirror>>()));
        services.TryAddSingleton<KubernetesPlatformService>();
        services.AddHostedService(sp => sp.GetRequiredService<KubernetesPlatformService>());
        return services;
    }
}
