using Grpc.Core;
using Linnet.Api.Destination.V1;

namespace Linnet.ControlPlane.Tests.Infrastructure;

/// <summary>One Destination subscription, read one update at a time with a bounded wait.</summary>
internal sealed class Subscription(AsyncServerStreamingCall<ConfigUpdate> call) : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public async Task<ConfigUpdate> NextAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token), "the subscription ended");
        return call.ResponseStream.Current;
    }

    public void Dispose() => call.Dispose();
}
