using Linnet.Api.Destination.V1;
using Linnet.ControlPlane.Core.Translation;
using Linnet.ControlPlane.Destination;
using CoreHeaderMatch = Linnet.ControlPlane.Core.Resources.HeaderMatch;
using CorePathMatch = Linnet.ControlPlane.Core.Resources.PathMatch;
using ProtoPathMatch = Linnet.Api.Destination.V1.PathMatch;

namespace Linnet.ControlPlane.Tests.Destination;

public sealed class ConfigUpdateFactoryTests
{
    [Fact]
    public void Snapshot_ServiceInOwnAndOtherNamespace_ShortNameOnlyInOwn()
    {
        var view = new MeshView(3, [Service("web", "shop"), Service("db", "data")]);

        var update = new ConfigUpdateFactory().Snapshot(view, "shop");

        Assert.Equal(("3", true), (update.Version, update.Snapshot));
        Assert.Equal(["web", "web.shop", "web.shop.svc.cluster.local"], update.Services[0].Names);
        Assert.Equal(["db.data", "db.data.svc.cluster.local"], update.Services[1].Names);
    }

    [Fact]
    public void Snapshot_ServiceFields_MappedToProto()
    {
        var route = new MeshRoute("shop/split", [
            new MeshRule(
                [
                    new MeshMatch(new CorePathMatch("PathPrefix", "/a"), [new CoreHeaderMatch("Exact", "x", "1"), new CoreHeaderMatch("RegularExpression", "y", "^2")]),
                    new MeshMatch(new CorePathMatch("Exact", "/b"), []),
                    new MeshMatch(new CorePathMatch("RegularExpression", "^/c"), []),
                    new MeshMatch(null, []),
                ],
                [new MeshBackend("web-v1.shop:80", 90), new MeshBackend("web-v2.shop:80", 10)]),
        ]);
        var endpoint = new MeshEndpoint("127.0.0.2", 4143, 1, "spiffe://cluster.local/ns/shop/sa/web", "web-0", true);
        var view = new MeshView(1, [Service("web", "shop", "grpc", [endpoint], [route], 20000)]);

        var service = Assert.Single(new ConfigUpdateFactory().Snapshot(view, "shop").Services);

        Assert.Equal(("web.shop:80", 80, Protocol.Grpc, 20000), (service.Key, service.Port, service.Protocol, service.LocalPort));
        Assert.Equal(new Endpoint { Address = "127.0.0.2", Port = 4143, Weight = 1, Identity = "spiffe://cluster.local/ns/shop/sa/web", Instance = "web-0", Meshed = true, MetricLabels = { ["pod"] = "web-0" } }, Assert.Single(service.Endpoints));
        var rule = Assert.Single(Assert.Single(service.Routes).Rules);
        Assert.Equal(
            [ProtoPathMatch.Types.Type.Prefix, ProtoPathMatch.Types.Type.Exact, ProtoPathMatch.Types.Type.Regex],
            rule.Matches.Take(3).Select(m => m.Path.Type));
        Assert.Null(rule.Matches[3].Path);
        Assert.Equal([Linnet.Api.Destination.V1.HeaderMatch.Types.Type.Exact, Linnet.Api.Destination.V1.HeaderMatch.Types.Type.Regex], rule.Matches[0].Headers.Select(h => h.Type));
        Assert.Equal(["web-v1.shop:80=90", "web-v2.shop:80=10"], rule.Backends.Select(b => $"{b.ServiceKey}={b.Weight}"));
    }

    [Theory]
    [InlineData("detect", Protocol.Detect)]
    [InlineData("opaque", Protocol.Opaque)]
    [InlineData("http1", Protocol.Http1)]
    [InlineData("http2", Protocol.Http2)]
    [InlineData("grpc", Protocol.Grpc)]
    public void ToProto_Protocol_MapsToEnum(string protocol, Protocol expected) => Assert.Equal(expected, ProtoMapper.ToProto(protocol));

    [Fact]
    public void Delta_ChangedAddedRemoved_OnlyThoseWithNewVersion()
    {
        var from = new MeshView(4, [Service("a", "ns"), Service("b", "ns"), Service("c", "ns")]);
        var to = new MeshView(6, [Service("a", "ns"), Service("b", "ns", "grpc"), Service("d", "ns")]);

        var update = new ConfigUpdateFactory().Delta(from, to, "ns");

        Assert.Equal(("6", false), (update.Version, update.Snapshot));
        Assert.Equal(["b.ns:80", "d.ns:80"], update.Services.Select(s => s.Key));
        Assert.Equal(["c.ns:80"], update.RemovedServices);
    }

    [Fact]
    public void Delta_SameRevisionsAndNamespace_BuiltOnceAndShared()
    {
        var factory = new ConfigUpdateFactory();
        var from = new MeshView(1, [Service("a", "ns")]);
        var to = new MeshView(2, [Service("a", "ns", "grpc")]);

        var first = factory.Delta(from, to, "ns");
        var second = factory.Delta(from, to, "ns");
        var otherNamespace = factory.Delta(from, to, "elsewhere");

        Assert.Same(first, second);
        Assert.NotSame(first, otherNamespace);
        Assert.Equal(["a.ns", "a.ns.svc.cluster.local"], otherNamespace.Services[0].Names);
    }

    private static MeshService Service(string name, string ns, string protocol = "http1", IReadOnlyList<MeshEndpoint>? endpoints = null, IReadOnlyList<MeshRoute>? routes = null, int localPort = 0) =>
        new(MeshTranslator.ServiceKey(name, ns, 80), name, ns, 80, protocol, endpoints ?? [], routes ?? [], localPort);
}
