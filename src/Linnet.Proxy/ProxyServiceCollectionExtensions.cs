using Linnet.Proxy.Admin;
using Linnet.Proxy.Authorization;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.ControlPlane;
using Linnet.Proxy.Http;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Listening;
using Linnet.Proxy.Listening.Stages;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Tap;
using Linnet.Proxy.Tcp;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;
using Linnet.Proxy.Upstream;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy;

/// <summary>Registers the proxy's parts.</summary>
internal static class ProxyServiceCollectionExtensions
{
    /// <summary>Adds the data plane: listeners, detection, HTTP forwarding, opaque forwarding, metrics.
    /// Routing config comes from <paramref name="provider"/>, or, when it is null, from the control plane
    /// that <see cref="BootstrapConfig.ControlPlaneAddress"/> names.
    /// <paramref name="random"/> draws every random choice of the data path (splits, faults, mirrors,
    /// jitter); it must be thread-safe (<see cref="Random.Shared"/> unless given; a seeded one:
    /// <see cref="Resilience.SynchronizedRandom"/>).</summary>
    public static IServiceCollection AddLinnetProxy(this IServiceCollection services, BootstrapConfig bootstrap, IProxyConfigProvider? provider, TimeProvider time, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        services.TryAddSingleton(time);
        services.TryAddSingleton(random ?? Random.Shared);
        services.TryAddSingleton(bootstrap);
        if (provider is not null)
        {
            services.TryAddSingleton(provider);
            if (provider is IHostedService hosted)
            {
                // A provider with work of its own (a stream to follow) runs with the host.
                services.AddSingleton(hosted);
            }
        }
        else if (bootstrap.ControlPlaneAddress is not null)
        {
            services.TryAddSingleton(sp => new ControlPlaneConfigProvider(
                bootstrap, sp.GetRequiredService<ProxyIdentity>(), sp.GetRequiredService<IdentityMetrics>(), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<ControlPlaneConfigProvider>>(), new Random()));
            services.TryAddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<ControlPlaneConfigProvider>());
            services.AddHostedService(sp => sp.GetRequiredService<ControlPlaneConfigProvider>());

            // Tap needs a verified control plane to report to: with a static config there is none, and no tap.
            services.TryAddSingleton<TapClient>();
            services.AddHostedService(sp => sp.GetRequiredService<TapClient>());
        }
        else
        {
            throw new ArgumentException("give a config provider, or a bootstrap config that names a control plane", nameof(provider));
        }

        services.TryAddSingleton(sp => new HttpRouter(sp.GetRequiredService<Random>()));
        services.TryAddSingleton(sp => new ProxyMetrics(bootstrap.Workload, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ServiceTable>();
        services.TryAddSingleton(new AuthorizationMetrics(bootstrap.Workload));
        services.TryAddSingleton<InboundAuthorizer>();
        services.TryAddSingleton<MeshTls>();
        services.TryAddSingleton<ProxyPorts>();
        services.TryAddSingleton<MeshClients>();
        services.TryAddSingleton<OpaqueForwarder>();
        services.TryAddSingleton<DispatchTransportFactory>();
        services.AddSingleton<IConnectionListenerFactory>(sp => sp.GetRequiredService<DispatchTransportFactory>());
        services.TryAddSingleton<TcpMetricsStage>();
        services.TryAddSingleton<DescribeStage>();
        services.TryAddSingleton<DetectionStage>();
        services.TryAddSingleton<MeshTlsStage>();
        services.TryAddSingleton<StrictRefusalStage>();
        services.TryAddSingleton<TransportHeaderStage>();
        services.TryAddSingleton<HttpStage>();
        services.TryAddSingleton<TcpAuthorizationStage>();
        services.TryAddSingleton<OpaqueStage>();
        services.TryAddSingleton<ConnectionPipeline>();
        services.TryAddSingleton<ProxyListenerService>();
        services.AddHostedService(sp => sp.GetRequiredService<ProxyListenerService>());
        services.AddHttpForwarder();
        services.TryAddSingleton<TapHub>();
        services.TryAddSingleton<ProxyResponses>();
        services.TryAddSingleton<HttpProxyHandler>();
        services.TryAddSingleton<AdminEndpoints>();
        services.TryAddSingleton(new ProxyIdentity(bootstrap.Identity is not null));
        services.TryAddSingleton<IdentityMetrics>();
        if (bootstrap.Identity is not null)
        {
            services.AddHostedService<CertificateRenewalService>();
        }
        return services;
    }
}
