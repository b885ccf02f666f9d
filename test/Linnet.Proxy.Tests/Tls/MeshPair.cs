using System.Net;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Tests.Infrastructure;

namespace Linnet.Proxy.Tests.Tls;

/// <summary>Two real proxies on loopback with mTLS between them: the app's client calls service
/// <c>web:80</c> through the client proxy's outbound listener; its one endpoint is the server proxy's
/// inbound listener, which must prove <see cref="ExpectedServerIdentity"/>, and which forwards to the app.</summary>
internal sealed class MeshPair : IAsyncDisposable
{
    public const string ServiceHost = "web";
    public static readonly string ClientName = TestMeshCa.Identity("test", "client");
    public static readonly string ServerName = TestMeshCa.Identity("test", "web");

    private MeshPair(TestProxy client, TestProxy server, ProxyIdentity clientIdentity, ProxyIdentity serverIdentity, string expected)
    {
        Client = client;
        Server = server;
        ClientIdentity = clientIdentity;
        ServerIdentity = serverIdentity;
        ExpectedServerIdentity = expected;
        Http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = client.OutboundUri,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public TestProxy Client { get; }

    public TestProxy Server { get; }

    public ProxyIdentity ClientIdentity { get; }

    public ProxyIdentity ServerIdentity { get; }

    public string ExpectedServerIdentity { get; }

    /// <summary>An HTTP client for the client proxy's outbound listener (name the service in Host).</summary>
    public HttpClient Http { get; }

    /// <summary>Starts both proxies. Defaults: one CA, the server holds <see cref="ServerName"/> and the
    /// client expects exactly that.</summary>
    public static async Task<MeshPair> StartAsync(
        int appPort,
        ProxyIdentity clientIdentity,
        ProxyIdentity serverIdentity,
        string? expectedServerIdentity = null,
        ServiceProtocol protocol = ServiceProtocol.Detect,
        int? localPort = null,
        InboundTlsMode inboundTls = InboundTlsMode.Permissive,
        IReadOnlySet<int>? inboundOpaquePorts = null,
        TimeSpan? serverDetectTimeout = null)
    {
        var expected = expectedServerIdentity ?? ServerName;
        var server = await TestProxy.StartAsync(appPort, configure: b => b with
        {
            InboundTls = inboundTls,
            InboundOpaquePorts = inboundOpaquePorts ?? new HashSet<int>(),
            Workload = new WorkloadInfo("test", "web", "web-0"),
            DetectTimeout = serverDetectTimeout ?? b.DetectTimeout,
        }, identity: serverIdentity);
        try
        {
            var endpoint = new EndpointConfig("127.0.0.1", server.Inbound.Port) { Identity = expected };
            var service = new ServiceConfig(ServiceHost, [], 80, protocol, localPort, [endpoint]);
            var client = await TestProxy.StartAsync(appPort: 1, services: [service], configure: b => b with
            {
                Workload = new WorkloadInfo("test", "client", "client-0"),
            }, identity: clientIdentity);
            return new MeshPair(client, server, clientIdentity, serverIdentity, expected);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Both proxies with certificates from <paramref name="ca"/> under their default names.</summary>
    public static Task<MeshPair> StartAsync(TestMeshCa ca, int appPort, ServiceProtocol protocol = ServiceProtocol.Detect, int? localPort = null, InboundTlsMode inboundTls = InboundTlsMode.Permissive) =>
        StartAsync(appPort, ca.NewIdentity(ClientName), ca.NewIdentity(ServerName), protocol: protocol, localPort: localPort, inboundTls: inboundTls);

    /// <summary>A request for the service, HTTP/1.1 unless <paramref name="version"/> says otherwise.</summary>
    public static HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content = null, Version? version = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative))
        {
            Version = version ?? HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.Host = $"{ServiceHost}:80";
        return request;
    }

    /// <summary>Asserts a 200, showing the proxy's reason when it is not.</summary>
    public static void AssertOk(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var reason = response.Headers.TryGetValues(Linnet.Proxy.Http.ProxyErrors.Header, out var values) ? string.Join(", ", values) : "(no l5d-proxy-error)";
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"status {(int)response.StatusCode}: {reason}");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Client.DisposeAsync();
        await Server.DisposeAsync();
    }
}
