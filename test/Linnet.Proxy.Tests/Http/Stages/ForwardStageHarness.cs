using System.Text;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Http;
using Linnet.Proxy.Http.Stages;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;
using Linnet.Proxy.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace Linnet.Proxy.Tests.Http.Stages;

/// <summary>The stages after route, run alone over real loopback sockets: YARP's forwarder and the proxy's own
/// pooled client (<see cref="UpstreamClientFactory"/>) to test apps listening on 127.0.0.1.</summary>
internal sealed class ForwardStageHarness : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly HttpMessageInvoker _client;
    private readonly MeshClients _mesh;

    public ForwardStageHarness(IReadOnlyList<ServiceConfig> services)
    {
        Stages = new RequestStageHarness(services);
        var bootstrap = new BootstrapConfig { Workload = new WorkloadInfo("test", "web", "web-0") };
        _services = new ServiceCollection().AddLogging().AddHttpForwarder().BuildServiceProvider();
        Forwarder = _services.GetRequiredService<IHttpForwarder>();
        _client = UpstreamClientFactory.Create(Direction.Outbound, bootstrap, Stages.Metrics, TimeProvider.System);
        _mesh = new MeshClients(new MeshTls(new ProxyIdentity(false), bootstrap, TimeProvider.System), bootstrap, Stages.Metrics, TimeProvider.System);
        Clients = new OutboundClientSelector(_client, _mesh);
        Forward = new ForwardStage(Forwarder, _client, Clients, bootstrap, Stages.Responses, TimeProvider.System, NullLogger.Instance);
    }

    public RequestStageHarness Stages { get; }

    public IHttpForwarder Forwarder { get; }

    public OutboundClientSelector Clients { get; }

    public ForwardStage Forward { get; }

    /// <summary>An outbound POST of a small JSON body to <paramref name="service"/>, as the destination and route
    /// stages leave it: the service, its first rule (if any) and that rule's first backend.</summary>
    public RequestState Outbound(string service, string path = "/hook", string body = "{}")
    {
        var context = RequestStageHarness.Context(service, path);
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
        var request = Stages.Request(context, ListenerRole.Outbound);
        var state = Stages.Model.Find(service, null)!;
        request.Service = state;
        request.Target = state;
        if (state.Rules is [var rule, ..])
        {
            request.Rule = rule;
            request.BackendIndex = 0;
            request.Target = rule.Backend(0)!;
        }

        return request;
    }

    /// <summary>Sets what the filters stage sets for a rule with a policy (its series), as a stage after it expects.</summary>
    public RequestState WithSeries(RequestState request)
    {
        request.Series = Stages.Responses.RouteSeriesFor(request.Rule!, request.Service!);
        request.BackendSeries = Stages.Responses.BackendSeriesFor(request.Rule!, request.BackendIndex, request.Service!);
        return request;
    }

    public static RouteRuleConfig Rule(string backend) =>
        new([new RouteMatchConfig(new PathMatchConfig(PathMatchType.Prefix, "/"), [])], [new RouteBackendConfig(backend)]);

    public void Dispose()
    {
        _mesh.Dispose();
        _client.Dispose();
        _services.Dispose();
        Stages.Dispose();
    }
}
