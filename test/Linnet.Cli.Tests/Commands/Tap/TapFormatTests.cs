using System.Text.Json.Nodes;
using Linnet.Cli.Commands.Tap;

namespace Linnet.Cli.Tests.Commands.Tap;

/// <summary>Linkerd's tap lines (linkerd2 viz/cmd/tap.go's renderTapEvent): <c>req</c>, <c>rsp</c> with the latency
/// since the request began, <c>end</c> with the duration since the response began, <c>grpc-status</c> by Go's
/// code name, and with <c>-o wide</c> the resources of both sides.</summary>
public sealed class TapFormatTests
{
    private static readonly JsonNode Outbound = JsonNode.Parse("""
        {"type":"event","proxy":"default/web/web-0","id":7,"direction":"outbound","source":"127.0.0.1:50000","destination":"127.1.0.3:4143",
         "sourceMeta":{"namespace":"default","deployment":"web","pod":"web-0"},
         "destinationMeta":{"namespace":"default","deployment":"backend","pod":"backend-0","tls":"true"},
         "tls":true,"method":"GET","scheme":"http","authority":"backend:80","path":"/api/x?y=1",
         "status":200,"responseInitMicros":1500,"responseEndMicros":1620,"responseBytes":42,"endOfStream":true}
        """)!;

    [Fact]
    public void Lines_HttpOutbound_LinkerdsThreeLines()
    {
        var lines = TapFormat.Lines(Outbound, 0, null);

        Assert.Equal(
        [
            "req id=0:7 proxy=out src=127.0.0.1:50000 dst=127.1.0.3:4143 tls=true :method=GET :authority=backend:80 :path=/api/x?y=1",
            "rsp id=0:7 proxy=out src=127.0.0.1:50000 dst=127.1.0.3:4143 tls=true :status=200 latency=1500µs",
            "end id=0:7 proxy=out src=127.0.0.1:50000 dst=127.1.0.3:4143 tls=true duration=120µs response-length=42B",
        ], lines);
    }

    [Fact]
    public void Lines_Wide_AppendsSourceAndDestinationResources()
    {
        var lines = TapFormat.Lines(Outbound, 1, "deployment");

        Assert.EndsWith(":path=/api/x?y=1 src_res=deploy/web src_ns=default dst_res=deploy/backend dst_ns=default", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("rsp id=1:7 ", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_WideWithRouteMeta_AppendsLinkerdsRtLabelsRouteFirst()
    {
        var e = Outbound.DeepClone();
        e["routeMeta"] = JsonNode.Parse("""{"kind":"HTTPRoute","namespace":"default","route":"web-api"}""");

        var lines = TapFormat.Lines(e, 0, "deployment");

        Assert.All(lines, l => Assert.EndsWith("dst_res=deploy/backend dst_ns=default rt_route=web-api rt_kind=HTTPRoute rt_namespace=default", l, StringComparison.Ordinal));
        Assert.DoesNotContain("rt_", TapFormat.Lines(e, 0, null)[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_GrpcInboundPlaintext_GrpcStatusNameAndInPadded()
    {
        var e = JsonNode.Parse("""
            {"type":"event","id":1,"direction":"inbound","source":"127.0.0.1:1","destination":"127.0.0.1:2",
             "sourceMeta":{"tls":"no_identity"},"destinationMeta":{},"method":"POST","authority":"greeter:9090","path":"/g.Greeter/Hi",
             "status":200,"responseInitMicros":10,"responseEndMicros":30,"responseBytes":5,"grpcStatus":14}
            """)!;

        var lines = TapFormat.Lines(e, 0, null);

        Assert.Equal("end id=0:1 proxy=in  src=127.0.0.1:1 dst=127.0.0.1:2 tls=no_identity grpc-status=Unavailable duration=20µs response-length=5B", lines[2]);
    }

    [Theory]
    [InlineData(0, "OK")]
    [InlineData(1, "Canceled")]
    [InlineData(4, "DeadlineExceeded")]
    [InlineData(16, "Unauthenticated")]
    [InlineData(17, "Code(17)")]
    public void GrpcName_Code_GoName(long code, string expected) => Assert.Equal(expected, TapFormat.GrpcName(code));
}
