using Linnet.Proxy.Admin;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Http;
using Linnet.Proxy.Listening;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Tcp;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Linnet.Proxy;

/// <summary>Registers the proxy's parts.</summary>
public static class ProxyServiceCollectionExtensions
{
    /// <summary>Adds the data plane: listeners, detection, HTTP forwarding, opaque forwarding, metrics.</summary>
    public static IServiceCollection AddLinnetProxy(this IServiceCollection services, BootstrapConfig bootstrap, IProxyConfigProvider provider, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        services.TryAddSingleton(time);
        services.TryAddSingleton(bootstrap);
        services.TryAddSingleton(provider);
        services.TryAddSingleton(sp => new ProxyMetrics(bootstrap.Workload, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ServiceTable>();
        services.TryAddSingleton<OpaqueForwarder>();
        services.TryAddSingleton<DispatchTransportFactory>();
        services.AddSingleton<IConnectionListenerFactory>(sp => sp.GetRequiredService<DispatchTransportFactory>());
        services.TryAddSingleton<ProxyListenerService>();
        services.AddHostedService(sp => sp.GetRequiredService<ProxyListenerService>());
        services.AddHttpForwarder();
        services.TryAddSingleton<HttpProxyHandler>();
        services.TryAddSingleton<AdminEndpoints>();
        return services;
    }
}
