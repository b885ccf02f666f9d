using System.Net;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Linnet.Proxy.Tests.Http2;

/// <summary>An h2c app behind its own proxy, reached through the proxy's inbound listener (the proxy in
/// front of the app) or its outbound listener (the app is service <c>backend:80</c>), with an h2c-only
/// client that keeps one connection to the proxy.</summary>
internal sealed class H2cRoute : IAsyncDisposable
{
    public const string Inbound = "inbound";
    public const string Outbound = "outbound";

    private H2cRoute(string direction, HttpTestApp app, TestProxy proxy)
    {
        Direction = direction;
        App = app;
        Proxy = proxy;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = false })
        {
            BaseAddress = direction == Outbound ? proxy.OutboundUri : proxy.InboundUri,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary><see cref="Inbound"/> or <see cref="Outbound"/>, as in the metrics' <c>direction</c> label.</summary>
    public string Direction { get; }

    public HttpTestApp App { get; }

    public TestProxy Proxy { get; }

    public HttpClient Client { get; }

    /// <summary>The authority the client names: any host inbound, the configured service outbound.</summary>
    public string Authority => Direction == Outbound ? "backend" : "web.linnet.test:8080";

    public static async Task<H2cRoute> StartAsync(string direction, CancellationToken cancellationToken)
    {
        var app = await HttpTestApp.StartAsync("h2", HttpProtocols.Http2, cancellationToken);
        try
        {
            var proxy = direction == Outbound
                ? await TestProxy.StartAsync(appPort: 1, services: [TestProxy.Service("backend", 80, app.Port)])
                : await TestProxy.StartAsync(app.Port);
            return new H2cRoute(direction, app, proxy);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>An HTTP/2-only request (no fallback to HTTP/1.1) naming <see cref="Authority"/>.</summary>
    public HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.Host = Authority;
        return request;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Proxy.DisposeAsync();
        await App.DisposeAsync();
    }
}
