using System.Net;
using System.Security.Cryptography.X509Certificates;
using Linnet.Proxy;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// linnet-bench-meshproxy KEY=VALUE...: one linnet-proxy (the real ProxyHost) with an mTLS identity.
//   listen=PORT        inbound PORT, outbound PORT+1, admin PORT+2 (127.0.0.1)
//   app=PORT           the app port inbound traffic goes to
//   service=LOCALPORT  optional: a service with this local port whose one endpoint is...
//   endpoint=HOST:PORT ...this address, reached over mTLS as...
//   peer=SPIFFE-ID     ...this identity
//   name=SPIFFE-ID cert=FILE (leaf then intermediates, PEM) key=FILE anchors=FILE (PEM)
var options = args.Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
string Get(string key) => options.TryGetValue(key, out var v) ? v : throw new ArgumentException($"missing {key}=");

var listen = int.Parse(Get("listen"), System.Globalization.CultureInfo.InvariantCulture);
var bootstrap = new BootstrapConfig
{
    Workload = new WorkloadInfo("bench", "mesh", $"mesh-{listen}"),
    InboundListen = new IPEndPoint(IPAddress.Loopback, listen),
    OutboundListen = new IPEndPoint(IPAddress.Loopback, listen + 1),
    AdminListen = new IPEndPoint(IPAddress.Loopback, listen + 2),
    AppPort = int.Parse(Get("app"), System.Globalization.CultureInfo.InvariantCulture),
    TransparentMode = false,
};

var services = new List<ServiceConfig>();
if (options.TryGetValue("service", out var localPort))
{
    var endpoint = IPEndPoint.Parse(Get("endpoint"));
    services.Add(new ServiceConfig("backend", [], 80, ServiceProtocol.Detect, int.Parse(localPort, System.Globalization.CultureInfo.InvariantCulture),
        [new EndpointConfig(endpoint.Address.ToString(), endpoint.Port) { Identity = Get("peer") }]));
}

var chain = new X509Certificate2Collection();
chain.ImportFromPemFile(Get("cert"));
var leaf = X509Certificate2.CreateFromPemFile(Get("cert"), Get("key"));
var intermediates = new X509Certificate2Collection();
for (var i = 1; i < chain.Count; i++)
{
    intermediates.Add(chain[i]);
}

var anchors = new X509Certificate2Collection();
anchors.ImportFromPemFile(Get("anchors"));
var identity = new ProxyIdentity(enabled: true);
identity.Update(new IdentityMaterial(Get("name"), leaf, intermediates, anchors));

await using var host = ProxyHost.Create(bootstrap, new StaticProxyConfigProvider(services),
    logging => logging.SetMinimumLevel(LogLevel.Warning), services: s => s.AddSingleton(identity));
await host.RunAsync();
