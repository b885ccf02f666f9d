using Linnet.ControlPlane.Admission;
using Linnet.ControlPlane.Api;
using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Identity;
using Linnet.ControlPlane.Destination;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Linnet.ControlPlane;

/// <summary>Registers the control plane's parts.</summary>
public static class ControlPlaneServiceCollectionExtensions
{
    /// <summary>Adds the Destination gRPC API, the HTTP API and admission over <paramref name="store"/>.
    /// Parts already registered (a <see cref="TimeProvider"/>, for instance) are kept.</summary>
    public static IServiceCollection AddLinnetControlPlane(this IServiceCollection services, ControlPlaneOptions options, IResourceStore store)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(options);
        services.TryAddSingleton(store);
        services.TryAddSingleton<MeshViewCache>();
        services.TryAddSingleton<ConfigUpdateFactory>();
        services.TryAddSingleton<InboundPolicyCache>();
        services.TryAddSingleton<ProxyRegistry>();
        services.TryAddSingleton<Updates.WebhookApi>();
        services.TryAddSingleton<DestinationService>();
        services.TryAddSingleton<LocalPortAdmission>();
        services.TryAddSingleton<ResourceApi>();
        services.TryAddSingleton<ApiExceptionHandler>();
        services.TryAddSingleton(sp => MeshIdentity.Load(options.Identity, options.TrustDomain, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IdentityService>();
        services.TryAddSingleton<TokenApi>();
        services.AddGrpc();
        services.AddRouting();
        return services;
    }
}
