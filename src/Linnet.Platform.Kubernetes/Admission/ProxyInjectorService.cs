using Linnet.ControlPlane.Core.Identity;
using Linnet.Platform.Kubernetes.Cluster;
using Linnet.Platform.Kubernetes.Injection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Kubernetes.Admission;

/// <summary>The proxy injector as part of the control plane on a cluster: <see cref="InjectorWebhook"/>, injecting
/// proxies that trust the control plane's own trust anchors and name its trust domain, with each pod's namespace's
/// annotations as the cluster has them (<see cref="ClusterNamespaces"/>). It listens only once the Namespaces have
/// been listed: answering before would skip pods of annotated namespaces, and with <c>failurePolicy: Ignore</c> a
/// refused connection leaves a pod uninjected exactly as a skip would, while an early skip looks deliberate.</summary>
public sealed partial class ProxyInjectorService(ProxyInjectorOptions options, MeshIdentity identity, ClusterNamespaces namespaces, ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<ProxyInjectorService>();
    private readonly TaskCompletionSource<System.Net.IPEndPoint> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Where it listens, once it does.</summary>
    public Task<System.Net.IPEndPoint> Listening => _listening.Task;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await namespaces.Synced.WaitAsync(stoppingToken);
            await using var webhook = await InjectorWebhook.StartAsync(
                new InjectorWebhookOptions
                {
                    EndPoint = options.EndPoint,
                    Certificate = options.Certificate,
                    Settings = new InjectionSettings(options.ProxyImage, identity.TrustDomain, identity.TrustAnchorsPem) { InitImage = options.InitImage, DefaultInboundPolicy = options.DefaultInboundPolicy },
                    NamespaceAnnotations = namespaces.Annotations,
                },
                loggers,
                stoppingToken);
            _listening.TrySetResult(webhook.EndPoint);
            Log.Serving(_logger, webhook.EndPoint.ToString(), options.ProxyImage, options.InitImage, options.DefaultInboundPolicy);
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _listening.TrySetCanceled(stoppingToken);
        }
        catch (IOException ex)
        {
            // The port is taken, most often: say so rather than end the control plane.
            Log.Failed(_logger, options.EndPoint.ToString(), ex.Message);
            _listening.TrySetException(ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Proxy injector serving https://{EndPoint}/inject (proxy image {Image}, proxy-init image {InitImage}, default inbound policy {DefaultPolicy})")]
        public static partial void Serving(ILogger logger, string endPoint, string image, string initImage, string defaultPolicy);

        [LoggerMessage(2, LogLevel.Error, "The proxy injector cannot listen on {EndPoint}: {Reason}")]
        public static partial void Failed(ILogger logger, string endPoint, string reason);
    }
}
