using Grpc.Core;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Tls;

/// <summary>gRPC between two proxies over mTLS: unary and streaming calls, with trailers, end to end.</summary>
public sealed class MeshGrpcTests
{
    [Fact]
    public async Task Grpc_UnaryAndStreamingOverMesh_RepliesAndTrailersArrive()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await GrpcTestService.StartAsync("echo-1", ct);
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), server.Port);
        using var channel = OutboundGrpc.Channel(mesh.Client, "http://web:80");
        var client = new Echo.EchoClient(channel);

        using var unary = client.SayAsync(new EchoRequest { Message = "hello" }, cancellationToken: ct);
        var reply = await unary.ResponseAsync;
        using var stream = client.Expand(new ExpandRequest { Message = "m", Count = 5, IntervalMs = 5 }, cancellationToken: ct);
        var replies = new List<string>();
        await foreach (var item in stream.ResponseStream.ReadAllAsync(ct))
        {
            replies.Add(item.Message);
        }

        Assert.Equal("hello", reply.Message);
        Assert.Equal(StatusCode.OK, unary.GetStatus().StatusCode);
        Assert.Equal("echo-1", unary.GetTrailers().GetValue("x-served-by"));
        Assert.Equal(5, replies.Count);
        Assert.Equal(StatusCode.OK, stream.GetStatus().StatusCode);
        Assert.Equal(2, server.CallCount);
        var scrape = await mesh.Server.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "inbound"), ("tls", "true")) >= 2);
        Assert.Equal(2, scrape.Sum("response_total", ("direction", "inbound"), ("tls", "true"), ("client_id", MeshPair.ClientName), ("grpc_status", "0")));
    }
}
