using Grpc.Core;
using Linnet.Testing;

namespace Linnet.EndToEnd.App;

/// <summary><c>linnet.testing.Echo</c> for the gRPC route tests: every reply names the instance.</summary>
internal sealed class EchoEndpoint(EchoIdentity identity) : Echo.EchoBase
{
    public override async Task<EchoReply> Say(EchoRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (request.DelayMs > 0)
        {
            await Task.Delay(request.DelayMs, context.CancellationToken);
        }

        if (request.FailCode != 0)
        {
            throw new RpcException(new Status((StatusCode)request.FailCode, "requested failure"));
        }

        return new EchoReply { Message = request.Message, ServedBy = identity.Instance };
    }

    public override async Task<EchoReply> Collect(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        var messages = new List<string>();
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            messages.Add(request.Message);
        }

        return new EchoReply { Message = string.Join(',', messages), ServedBy = identity.Instance };
    }
}
