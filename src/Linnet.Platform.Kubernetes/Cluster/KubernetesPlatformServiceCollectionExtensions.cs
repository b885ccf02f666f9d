using k8s;
using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Updates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>Registers the Kubernetes platform.</summary>
public static class KubernetesPlatformServiceCollectionExtensions
{
    /// <summary>Adds the platform over <paramref name="client"/> (from a kubeconfig or the in-cluster configuration:
    /// <see cref="KubernetesClientConfiguration.BuildDefaultConfig"/>), filling the registered
    /// <see cref="IResourceStore"/>, the TokenReview of service-account tokens as the identity service's reviewer, and
    /// the writer of Deployments' image updates (<see cref="ClusterDeploymentWriter"/>) and the canary controller's writer
    /// (<see cref="ClusterCanaryWriter"/>).</summary>
    public static IServiceCollection AddLinnetKubernetesPlatform(this IServiceCollection services, IKubernetes client, KubernetesPlatformOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(client);
        services.TryAddSingleton(options);
        services.TryAddSingleton(sp => new ClusterMirror(sp.GetRequiredService<IResourceStore>(), sp.GetRequiredService<ILogger<ClusterMirror>>()));
        // Proxies prove their identity with service-account tokens, reviewed by the API server.
        services.Replace(ServiceDescriptor.Singleton<IWorkloadTokenReviewer>(sp => new ClusterTokenReviewer(client, MeshIdentity.ServiceAccountTokenAudience, sp.GetRequiredService<TimeProvider>())));
        services.TryAddSingleton<ClusterNamespaces>();
        services.TryAddSingleton<KubernetesPlatformService>();
        // Keel's updates of Deployments: patched on the API server by the replica holding the lease.
        services.TryAddSingleton<IDeploymentImageWriter>(sp => new ClusterDeploymentWriter(
            sp.GetRequiredService<ClusterMirror>(),
            new ClusterApi(client),
            () => sp.GetRequiredService<KubernetesPlatformService>().Leadership.IsLeader,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ClusterDeploymentWriter>>()));
        // Flagger's canaries: the controller's writes go to the API server, made by the replica holding the lease.
        services.TryAddSingleton<ControlPlane.Core.Rollouts.ICanaryClusterWriter>(sp => new ClusterCanaryWriter(
            sp.GetRequiredService<ClusterMirror>(),
            new ClusterApi(client),
            () => sp.GetRequiredService<KubernetesPlatformService>().Leadership.IsLeader,
            sp.GetRequiredService<ILogger<ClusterCanaryWriter>>()));
        services.AddHostedService(sp => sp.GetRequiredService<KubernetesPlatformService>());
        return services;
    }

    /// <summary>Adds the proxy injector (the mutating admission webhook) to the platform, served by the control plane
    /// itself (<see cref="Admission.ProxyInjectorService"/>).</summary>
    public static IServiceCollection AddLinnetProxyInjector(this IServiceCollection services, Admission.ProxyInjectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton<ClusterNamespaces>();
        services.TryAddSingleton<Admission.ProxyInjectorService>();
        services.AddHostedService(sp => sp.GetRequiredService<Admission.ProxyInjectorService>());
        return services;
    }
}
