using Linnet.ControlPlane.Admission;
using Linnet.ControlPlane.Api;
using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Identity;
using Linnet.ControlPlane.Destination;
using Linnet.ControlPlane.Core.Metrics;
using Linnet.ControlPlane.Metrics;
using Linnet.ControlPlane.Security;
using Microsoft.AspNetCore.Authentication;
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
        services.TryAddSingleton<Updates.ImageUpdateApplier>();
        services.TryAddSingleton<Updates.ApprovalApi>();
        services.TryAddSingleton<Updates.ApprovalExpiry>();
        services.AddHostedService(sp => sp.GetRequiredService<Updates.ApprovalExpiry>());
        services.TryAddSingleton<Updates.ReleaseVerdictController>();
        services.AddHostedService(sp => sp.GetRequiredService<Updates.ReleaseVerdictController>());
        services.TryAddSingleton<Updates.ImageUpdatesApi>();
        services.TryAddSingleton<Updates.RegistryPoller>();
        services.AddHostedService(sp => sp.GetRequiredService<Updates.RegistryPoller>());
        services.TryAddSingleton<Notifications.NotificationSender>();
        services.AddHostedService(sp => sp.GetRequiredService<Notifications.NotificationSender>());
        services.TryAddSingleton<DestinationService>();
        services.TryAddSingleton<Tap.TapBroker>();
        services.TryAddSingleton<Tap.TapService>();
        services.TryAddSingleton<Tap.TapApi>();
        services.TryAddSingleton<LocalPortAdmission>();
        services.TryAddSingleton<ResourceApi>();
        services.TryAddSingleton<Reconciliation.RouteStatusController>();
        if (options.Platform == ControlPlanePlatform.Universal)
        {
            // On a cluster the platform writes route status to the cluster (its store is a mirror).
            services.AddHostedService(sp => sp.GetRequiredService<Reconciliation.RouteStatusController>());
        }

        services.TryAddSingleton<Rollouts.MetricTemplateQuery>();
        services.TryAddSingleton<Rollouts.CanaryController>();
        services.TryAddSingleton<Rollouts.CanaryCommandApi>();
        services.TryAddSingleton<Rollouts.CanaryDeletion>();
        services.AddHostedService(sp => sp.GetRequiredService<Rollouts.CanaryController>());
        services.TryAddSingleton<ApiExceptionHandler>();
        services.TryAddSingleton(sp => MeshIdentity.Load(options.Identity, options.TrustDomain, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IWorkloadTokenReviewer>(sp => new SignedTokenReviewer(sp.GetRequiredService<MeshIdentity>().Tokens));
        services.TryAddSingleton<IdentityService>();
        services.TryAddSingleton<TokenApi>();
        AddMetrics(services, options);
        services.TryAddSingleton<ApiRequestGuard>();
        services.TryAddSingleton<Dashboard.DashboardSessions>();
        services.TryAddSingleton<Dashboard.DashboardEndpoints>();
        services.TryAddSingleton<ControlPlaneCertificate>();
        services.TryAddSingleton(_ => options.AdminCredentialFile is { } file ? AdminCredential.LoadOrCreate(file) : AdminCredential.Ephemeral());
        services.TryAddSingleton(options.Approvers);

        // Beside the admin credential, where Linnet's load tester on the same host reads it.
        services.TryAddSingleton(_ => options.AdminCredentialFile is { } credential
            ? WebhookSigningKey.LoadOrCreate(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(credential))!, WebhookSigningKey.FileName))
            : WebhookSigningKey.Ephemeral());
        services.TryAddSingleton(_ => new SecretFiles(options.AdminCredentialFile is { } dataFile ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataFile))!, SecretFiles.FolderName) : null));
        services.TryAddSingleton<Rollouts.CanaryWebhookClient>();
        services.TryAddSingleton<Rollouts.CanaryAlerter>();
        services.AddGrpc();
        services.AddRouting();

        // One authentication scheme and one fallback policy for everything the control plane serves: an
        // endpoint added later needs the admin credential unless it opts out with AllowAnonymous() because it
        // authenticates its callers itself (docs/security.md).
        services.AddAuthentication(ApiAuthentication.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiAuthenticationHandler>(ApiAuthentication.Scheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiAuthentication.AdminPolicy, ApiAuthentication.Admin)
            .AddPolicy(ApiAuthentication.ApprovalsPolicy, ApiAuthentication.Approvals)
            .SetFallbackPolicy(ApiAuthentication.Admin);
        return services;
    }

    // The embedded scraper by default; with a Prometheus URL, PromQL against it and no scraping of our own.
    private static void AddMetrics(IServiceCollection services, ControlPlaneOptions options)
    {
        var metrics = options.Metrics;
        services.TryAddSingleton(metrics);
        if (metrics.PrometheusUrl is { } url)
        {
            var baseUrl = url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
            services.TryAddSingleton<ISeriesSource>(_ => new PrometheusSeriesSource(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, baseUrl));
        }
        else
        {
            services.TryAddSingleton(sp => new EmbeddedSeriesStore(metrics.Retention, metrics.ScrapeInterval, sp.GetRequiredService<TimeProvider>()));
            services.TryAddSingleton<ISeriesSource>(sp => sp.GetRequiredService<EmbeddedSeriesStore>());
            services.TryAddSingleton<ProxyScraper>();
            services.AddHostedService(sp => sp.GetRequiredService<ProxyScraper>());
        }

        services.TryAddSingleton<IMeshMetrics>(sp =>
        {
            var store = sp.GetRequiredService<IResourceStore>();
            return new MeshMetrics(sp.GetRequiredService<ISeriesSource>(), () => ScrapeTargets.From(store.Snapshot()), options.TrustDomain);
        });
        services.TryAddSingleton<MetricsApi>();
    }
}
