using Linnet.ControlPlane.Core.Identity;
using Linnet.Platform.Kubernetes.Cluster;
using Linnet.Platform.Kubernetes.Injection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Kubernetes.Admission;

/// <summary>The proxy injector as part of the control plane on a cluster: <see cref="InjectorWebhook"/> served from
/// start to stop, injecting proxies that trust the control plane's own trust anchors and name its trust domain, with
/// each pod's namespace's annotations as the cluster has them (<see cref="ClusterNamespaces"/>).</summary>
public sealed class ProxyInjectorService(ProxyInjectorOptions options, MeshIdentity identity, ClusterNamespaces namespaces, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private InjectorWebhook? _webhook;

    /// <summary>Where it listens once started.</summary>
    public System.Net.IPEndPoint? EndPoint => _webhook?.EndPoint;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _webhook = await InjectorWebhook.StartAsync(
            new InjectorWebhookOptions
            {
                EndPoint = options.EndPoint,
                Certificate = options.Certificate,
                Settings = new InjectionSettings(options.ProxyImage, identity.TrustDomain, identity.TrustAnchorsPem),
                NamespaceAnnotations = namespaces.Annotations,
            },
            loggers,
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _webhook, null) is { } webhook)
        {
            await webhook.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));
}
