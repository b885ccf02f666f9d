using Grpc.Core;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Grpc;

/// <summary>gRPC over h2c, all four call kinds, through the proxy's inbound and outbound listeners.</summary>
public sealed class GrpcProxyTests
{
    private const string ServedBy = "x-served-by";

    [Theory]
    [InlineData(GrpcRoute.Inbound)]
    [InlineData(GrpcRoute.Outbound)]
    public async Task Say_Unary_RepliesAndTrailerReachesClient(string direction)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var route = await GrpcRoute.StartAsync(direction, ct);

        using var call = route.Client.SayAsync(new EchoRequest { Message = "hello" }, cancellationToken: ct);
        var reply = await call.ResponseAsync;

        Assert.Equal("hello", reply.Message);
        Assert.Equal("echo-1", reply.ServedBy);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("echo-1", call.GetTrailers().GetValue(ServedBy));
        Assert.Equal(1, route.Server.CallCount);
    }

    [Theory]
    [InlineData(GrpcRoute.Inbound)]
    [InlineData(GrpcRoute.Outbound)]
    public async Task Collect_ClientStreaming_ServerSeesEveryMessage(string direction)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var route = await GrpcRoute.StartAsync(direction, ct);

        using var call = route.Client.Collect(cancellationToken: ct);
        foreach (var message in new[] { "a", "b", "c" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = message }, ct);
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call.ResponseAsync;

        Assert.Equal("a,b,c", reply.Message);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("echo-1", call.GetTrailers().GetValue(ServedBy));
    }

    [Theory]
    [InlineData(GrpcRoute.Inbound)]
    [InlineData(GrpcRoute.Outbound)]
    public async Task Expand_ServerStreaming_ClientReceivesEveryReplyInOrder(string direction)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var route = await GrpcRoute.StartAsync(direction, ct);

        using var call = route.Client.Expand(new ExpandRequest { Message = "m", Count = 5, IntervalMs = 10 }, cancellationToken: ct);
        var replies = new List<string>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync(ct))
        {
            replies.Add(reply.Message);
        }

        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], replies);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("echo-1", call.GetTrailers().GetValue(ServedBy));
    }

    [Theory]
    [InlineData(GrpcRoute.Inbound)]
    [InlineData(GrpcRoute.Outbound)]
    public async Task Chat_Bidirectional_EachReplyArrivesBeforeNextRequestIsSent(string direction)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var route = await GrpcRoute.StartAsync(direction, ct);

        using var call = route.Client.Chat(cancellationToken: ct);
        for (var i = 0; i < 5; i++)
        {
            // Lock-step: a proxy that buffered either direction until the stream ended would stall here.
            var message = $"ping {i}";
            await call.RequestStream.WriteAsync(new EchoRequest { Message = message }, ct);
            Assert.True(await call.ResponseStream.MoveNext(ct), $"stream ended before the reply to '{message}'");
            Assert.Equal(message, call.ResponseStream.Current.Message);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(ct));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("echo-1", call.GetTrailers().GetValue(ServedBy));
    }

    [Theory]
    [InlineData(GrpcRoute.Inbound)]
    [InlineData(GrpcRoute.Outbound)]
    public async Task Say_DeadlineShorterThanServerDelay_DeadlineExceeded(string direction)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var route = await GrpcRoute.StartAsync(direction, ct);
        var deadline = TimeProvider.System.GetUtcNow().UtcDateTime.AddMilliseconds(300);

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await route.Client.SayAsync(new EchoRequest { Message = "late", DelayMs = 10_000 }, deadline: deadline, cancellationToken: ct));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
    }

    [Theory]
    [InlineData(GrpcRoute.Inbound)]
    [InlineData(GrpcRoute.Outbound)]
    public async Task Say_ServerFailsWithNotFound_ClientGetsStatusAndProxyCountsFailure(string direction)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var route = await GrpcRoute.StartAsync(direction, ct);

        var ok = await route.Client.SayAsync(new EchoRequest { Message = "fine" }, cancellationToken: ct);
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await route.Client.SayAsync(new EchoRequest { Message = "missing", FailCode = (int)StatusCode.NotFound }, cancellationToken: ct));

        Assert.Equal("fine", ok.Message);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("requested failure", ex.Status.Detail);
        Assert.Equal("echo-1", ex.Trailers.GetValue(ServedBy));

        var scrape = await route.Proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", direction)) >= 2);
        (string, string) dir = ("direction", direction);
        Assert.Equal(2, scrape.Sum("request_total", dir));
        Assert.Equal(2, scrape.Sum("response_total", dir));
        Assert.Equal(1, scrape.Sum("response_total", dir, ("classification", "failure"), ("grpc_status", "5"), ("status_code", "200")));
        Assert.Equal(1, scrape.Sum("response_total", dir, ("classification", "success"), ("grpc_status", "0"), ("status_code", "200")));
        if (direction == GrpcRoute.Outbound)
        {
            Assert.Equal(2, scrape.Sum("response_total", dir, ("authority", "backend:80")));
        }
    }
}
