using Linnet.Api.Hosting;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Linnet.ControlPlane.Api;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Destination;
using Linnet.ControlPlane.Hosting;
using Linnet.ControlPlane.Identity;
using Linnet.ControlPlane.Security;
using Linnet.ControlPlane.Core.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane;

/// <summary>One running control plane: the Destination gRPC API (h2c) and the JSON HTTP API over a store.</summary>
public sealed class ControlPlaneHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly BoundListeners _listeners;

    private ControlPlaneHost(WebApplication app, BoundListeners listeners)
    {
        _app = app;
        _listeners = listeners;
    }

    /// <summary>The gRPC listener's bound address (after <see cref="StartAsync"/>).</summary>
    public IPEndPoint GrpcEndPoint => BoundListeners.EndPointOf(_listeners.Grpc, "gRPC");

    /// <summary>The HTTP API listener's bound address (after <see cref="StartAsync"/>).</summary>
    public IPEndPoint HttpEndPoint => BoundListeners.EndPointOf(_listeners.Http, "HTTP");

    /// <summary>The admin credential of the HTTP API (for a CLI in the same process).</summary>
    public AdminCredential AdminCredential => _app.Services.GetRequiredService<AdminCredential>();

    /// <summary>The control plane's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Builds a control plane over <paramref name="store"/>. <paramref name="extra"/> runs before the
    /// control plane's own registrations, so what it registers wins (a platform's supervisor as a hosted
    /// service, a fake <see cref="TimeProvider"/>, logging).</summary>
    public static ControlPlaneHost Create(ControlPlaneOptions options, IResourceStore store, Action<IServiceCollection>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ListenPolicy.Check(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.AddLinnetConsole();
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);

        extra?.Invoke(builder.Services);
        builder.Services.AddLinnetControlPlane(options, store);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);

        var listeners = new BoundListeners();
        ControlPlaneCertificate? certificate = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // A proxy that vanished without closing its connection is noticed by HTTP/2 pings.
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
            kestrel.Listen(options.GrpcListen, o =>
            {
                o.Protocols = HttpProtocols.Http2;

                // TLS 1.3 only, with the control plane's own mesh certificate. A client certificate is asked
                // for and, when given, must chain to the trust anchors; Destination then requires one and
                // matches it to the subscription, Certify (a proxy without a certificate yet) takes a token.
                o.UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = certificate!.Context,
                        EnabledSslProtocols = SslProtocols.Tls13,
                        ApplicationProtocols = [SslApplicationProtocol.Http2],
                        ClientCertificateRequired = true,
                        RemoteCertificateValidationCallback = (_, presented, chain, _) => certificate!.ValidateClient(presented, chain),
                        AllowRenegotiation = false,
                    }),
                });
                o.Use(next => connection =>
                {
                    connection.Features.Set(new ListenerFeature(ListenerRole.Grpc));
                    return next(connection);
                });
                listeners.Grpc = o;
            });
            kestrel.Listen(options.HttpListen, o =>
            {
                o.Protocols = HttpProtocols.Http1;
                o.Use(next => connection =>
                {
                    connection.Features.Set(new ListenerFeature(ListenerRole.Http));
                    return next(connection);
                });
                listeners.Http = o;
            });
        });

        var app = builder.Build();

        // Load (or create) the CA now: a bad CA file must stop the start, not the first proxy's request.
        app.Services.GetRequiredService<MeshIdentity>();
        app.Services.GetRequiredService<AdminCredential>();
        certificate = app.Services.GetRequiredService<ControlPlaneCertificate>();
        app.UseRouting();
        app.Use(ListenerSeparation.InvokeAsync);
        app.Use(app.Services.GetRequiredService<ApiRequestGuard>().CheckHostAsync);
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(ApiRequestGuard.CheckContentTypeAsync);
        app.Use(app.Services.GetRequiredService<ApiExceptionHandler>().InvokeAsync);

        // The gRPC services authenticate their callers themselves: Certify by the workload token in the
        // request, Destination by the proxy's client certificate (checked against the subscription).
        app.MapGrpcService<DestinationService>().AllowAnonymous();
        app.MapGrpcService<IdentityService>().AllowAnonymous();
        app.MapGrpcService<Tap.TapService>().AllowAnonymous();
        ApiEndpoints.Map(app);
        Updates.WebhookApi.Map(app, app.Services.GetRequiredService<Updates.WebhookApi>());
        Updates.ApprovalApi.Map(app, app.Services.GetRequiredService<Updates.ApprovalApi>());
        return new ControlPlaneHost(app, listeners);
    }

    /// <summary>Starts both listeners and every hosted service.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    /// <summary>Stops: subscriptions end, in-flight requests finish within the shutdown timeout.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    /// <summary>Runs until SIGTERM/SIGINT.</summary>
    public Task RunAsync() => _app.RunAsync();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
