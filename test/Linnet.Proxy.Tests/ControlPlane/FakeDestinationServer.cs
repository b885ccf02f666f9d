using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Linnet.Proxy.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Tests.ControlPlane;

/// <summary>A real gRPC server (Kestrel, HTTP/2 over TLS 1.3 on 127.0.0.1) serving <see cref="FakeDestinationService"/>
/// and a token-recording <see cref="FakeIdentityService"/>, presenting a certificate of its own CA for the control
/// plane's identity — or, to stand for a spoofed control plane, one of another CA or another identity. It can
/// be stopped (connections are then refused) and started again on the same port, keeping its model.</summary>
internal sealed class FakeDestinationServer : IAsyncDisposable
{
    private WebApplication? _app;

    private FakeDestinationServer()
    {
    }

    public FakeDestinationService Service { get; } = new();

    public FakeIdentityService Identity { get; } = new();

    public FakeTapService Tap { get; } = new();

    /// <summary>The CA proxies are given as their trust anchors.</summary>
    public FakeMeshCa Ca { get; } = new();

    /// <summary>Client certificates seen on connections (null for none).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string?> ClientIdentities { get; } = new();

    /// <summary>The proxy config with this server as its control plane and a fixed certificate of <see cref="Ca"/>.</summary>
    public BootstrapConfig Configure(BootstrapConfig config) =>
        config with { ControlPlaneAddress = Address, Identity = Ca.ProxyIdentity(config.Workload.Namespace, "web") };

    /// <summary>Starts again on the port it had, presenting a certificate for <paramref name="identity"/> issued by
    /// <paramref name="ca"/> (default: <see cref="Ca"/> and the control plane's identity).</summary>
    public Task RestartAsync(FakeMeshCa? ca = null, string? identity = null) => StartOnAsync(Port, ca, identity);

    public int Port { get; private set; }

    /// <summary><c>127.0.0.1:port</c>, as the proxy's bootstrap config names a control plane.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Starts, presenting a certificate for <paramref name="identity"/> from <paramref name="ca"/> (default:
    /// its own CA and the control plane's identity).</summary>
    public static async Task<FakeDestinationServer> StartAsync(FakeMeshCa? ca = null, string? identity = null)
    {
        var server = new FakeDestinationServer();
        await server.StartOnAsync(0, ca, identity);
        return server;
    }

    /// <summary>Ends the open streams and stops listening: new connections are refused.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            Service.EndStreams();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.StopAsync(timeout.Token);
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Ca.Dispose();
    }

    private async Task StartOnAsync(int port, FakeMeshCa? ca = null, string? identity = null)
    {
        ca ??= Ca;
        Assert.True(Linnet.ControlPlane.Core.Identity.SpiffeId.TryParse(identity ?? ca.ControlPlaneIdentity, out var id));
        var (leaf, intermediates) = ca.Issue(id);
        var context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(Service);
        builder.Services.AddSingleton(Identity);
        builder.Services.AddSingleton(Tap);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, o =>
        {
            o.Protocols = HttpProtocols.Http2;
            o.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = context,
                    EnabledSslProtocols = SslProtocols.Tls13,
                    ApplicationProtocols = [SslApplicationProtocol.Http2],
                    ClientCertificateRequired = true,
                    // Records what the proxy presents; the tests judge it.
                    RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    {
                        var uris = certificate is null ? [] : Linnet.Proxy.Identity.SpiffeUris.Of(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                        ClientIdentities.Enqueue(uris.Count > 0 ? uris[0] : null);

                        // No certificate (Certify) or one naming at most one identity.
                        return uris.Count <= 1;
                    },
                }),
            });
        }));
        var app = builder.Build();
        app.MapGrpcService<FakeDestinationService>();
        app.MapGrpcService<FakeIdentityService>();
        app.MapGrpcService<FakeTapService>();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Port = new Uri(address).Port;
        _app = app;
    }
}
