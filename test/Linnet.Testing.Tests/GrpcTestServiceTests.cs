using Grpc.Core;
using Grpc.Net.Client;

namespace Linnet.Testing.Tests;

public sealed class GrpcTestServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Say_Unary_ReturnsMessageServedByAndTrailer()
    {
        await using var server = await GrpcTestService.StartAsync("g1", Ct);
        using var channel = GrpcChannel.ForAddress(server.BaseAddress);
        var client = new Echo.EchoClient(channel);

        using var call = client.SayAsync(new EchoRequest { Message = "ping" }, cancellationToken: Ct);
        var reply = await call;

        Assert.Equal("ping", reply.Message);
        Assert.Equal("g1", reply.ServedBy);
        Assert.Equal("g1", call.GetTrailers().GetValue("x-served-by"));
        Assert.Equal(1, server.CallCount);
    }

    [Fact]
    public async Task Say_FailCode_ThrowsRpcExceptionWithThatStatus()
    {
        await using var server = await GrpcTestService.StartAsync("g1", Ct);
        using var channel = GrpcChannel.ForAddress(server.BaseAddress);
        var client = new Echo.EchoClient(channel);

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.SayAsync(new EchoRequest { Message = "x", FailCode = (int)StatusCode.Unavailable }, cancellationToken: Ct));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Equal("requested failure", ex.Status.Detail);
        Assert.Equal("g1", ex.Trailers.GetValue("x-served-by"));
    }

    [Fact]
    public async Task Say_DelayBeyondDeadline_ThrowsDeadlineExceeded()
    {
        await using var server = await GrpcTestService.StartAsync("g1", Ct);
        using var channel = GrpcChannel.ForAddress(server.BaseAddress);
        var client = new Echo.EchoClient(channel);
        var deadline = TimeProvider.System.GetUtcNow().UtcDateTime.AddMilliseconds(200);

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.SayAsync(new EchoRequest { Message = "x", DelayMs = 10_000 }, deadline: deadline, cancellationToken: Ct));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
    }

    [Fact]
    public async Task Collect_ClientStreaming_JoinsMessagesWithComma()
    {
        await using var server = await GrpcTestService.StartAsync("g1", Ct);
        using var channel = GrpcChannel.ForAddress(server.BaseAddress);
        var client = new Echo.EchoClient(channel);

        using var call = client.Collect(cancellationToken: Ct);
        foreach (var message in new[] { "a", "b", "c" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = message }, Ct);
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call;

        Assert.Equal("a,b,c", reply.Message);
        Assert.Equal("g1", reply.ServedBy);
    }

    [Fact]
    public async Task Expand_ServerStreaming_SendsCountIndexedReplies()
    {
        await using var server = await GrpcTestService.StartAsync("g1", Ct);
        using var channel = GrpcChannel.ForAddress(server.BaseAddress);
        var client = new Echo.EchoClient(channel);

        using var call = client.Expand(new ExpandRequest { Message = "m", Count = 3, IntervalMs = 10 }, cancellationToken: Ct);
        var messages = new List<string>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync(Ct))
        {
            messages.Add(reply.Message);
        }

        Assert.Equal(["m0", "m1", "m2"], messages);
    }

    [Fact]
    public async Task Chat_Bidi_EchoesEachMessageAsItArrives()
    {
        await using var server = await GrpcTestService.StartAsync("g1", Ct);
        using var channel = GrpcChannel.ForAddress(server.BaseAddress);
        var client = new Echo.EchoClient(channel);

        using var call = client.Chat(cancellationToken: Ct);
        foreach (var message in new[] { "one", "two" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = message }, Ct);
            Assert.True(await call.ResponseStream.MoveNext(Ct));
            Assert.Equal(message, call.ResponseStream.Current.Message);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }
}
