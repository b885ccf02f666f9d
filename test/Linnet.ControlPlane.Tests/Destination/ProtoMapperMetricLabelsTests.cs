using Linnet.ControlPlane.Core.Translation;
using Linnet.ControlPlane.Destination;

namespace Linnet.ControlPlane.Tests.Destination;

/// <summary>Endpoints carry Linkerd's metric labels (the destination API's <c>metric_labels</c>), which proxies
/// turn into the <c>dst_*</c> labels of their outbound series.</summary>
public sealed class ProtoMapperMetricLabelsTests
{
    [Fact]
    public void ToProto_ServiceAndEndpoints_CarryLinkerdMetricLabels()
    {
        var endpoint = new MeshEndpoint("127.0.0.9", 4143, 1, "spiffe://cluster.local/ns/shop/sa/books-sa", "books-2", true)
        {
            Workload = "books",
            ServiceAccount = "books-sa",
        };
        var service = new MeshService("books.shop:80", "books", "shop", 80, "detect", [endpoint], [], 0);

        var proto = ProtoMapper.ToProto(service, "web");

        Assert.Equal(new Dictionary<string, string> { ["namespace"] = "shop", ["service"] = "books" }, proto.MetricLabels);
        Assert.Equal(new Dictionary<string, string> { ["pod"] = "books-2", ["deployment"] = "books", ["serviceaccount"] = "books-sa" }, proto.Endpoints.Single().MetricLabels);
    }
}
