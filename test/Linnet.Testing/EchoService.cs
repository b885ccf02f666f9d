using Grpc.Core;

namespace Linnet.Testing;

/// <summary>Implementation of the <c>linnet.testing.Echo</c> service hosted by <see cref="GrpcTestService"/>.</summary>
internal sealed class EchoService : Echo.EchoBase
{
    public const string ServedByTrailer = "x-served-by";

    private readonly string _name;
    private int _callCount;

    public EchoService(string name)
    {
        _name = name;
    }

    public int CallCount => Volatile.Read(ref _callCount);

    public override async Task<EchoReply> Say(EchoRequest request, ServerCallContext context)
    {
        BeginCall(context);
        if (request.DelayMs > 0)
        {
            await Task.Delay(request.DelayMs, context.CancellationToken);
        }

        if (request.FailCode != 0)
        {
            throw new RpcException(new Status((StatusCode)request.FailCode, "requested failure"));
        }

        return Reply(request.Message);
    }

    public override async Task<EchoReply> Collect(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        BeginCall(context);
        var messages = new List<string>();
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            messages.Add(request.Message);
        }

        return Reply(string.Join(',', messages));
    }

    public override async Task Expand(ExpandRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        BeginCall(context);
        for (var i = 0; i < request.Count; i++)
        {
            if (i > 0 && request.IntervalMs > 0)
            {
                await Task.Delay(request.IntervalMs, context.CancellationToken);
            }

            context.CancellationToken.ThrowIfCancellationRequested();
            await responseStream.WriteAsync(Reply(request.Message + i.ToString(System.Globalization.CultureInfo.InvariantCulture)), context.CancellationToken);
        }
    }

    public override async Task Chat(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        BeginCall(context);
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(Reply(request.Message), context.CancellationToken);
        }
    }

    private void BeginCall(ServerCallContext context)
    {
        Interlocked.Increment(ref _callCount);
        context.ResponseTrailers.Add(ServedByTrailer, _name);
    }

    private EchoReply Reply(string message) => new() { Message = message, ServedBy = _name };
}
