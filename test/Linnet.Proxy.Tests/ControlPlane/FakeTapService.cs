using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Linnet.Api.Tap.V1;

namespace Linnet.Proxy.Tests.ControlPlane;

/// <summary>A Tap API the test drives: it records each proxy's hello, lets the test start and stop taps on the
/// attached stream, and collects the acknowledgements and events the proxy sends.</summary>
internal sealed class FakeTapService : Linnet.Api.Tap.V1.Tap.TapBase
{
    private readonly Channel<TapCommand> _commands = Channel.CreateUnbounded<TapCommand>();
    private int _attached;

    public ConcurrentQueue<TapHello> Hellos { get; } = new();

    public ConcurrentQueue<string> Started { get; } = new();

    public ConcurrentQueue<TapEvent> Events { get; } = new();

    /// <summary>Streams open now.</summary>
    public int Attached => Volatile.Read(ref _attached);

    /// <summary>Sends a command on the (single) attached stream.</summary>
    public void Send(TapCommand command) => _commands.Writer.TryWrite(command);

    /// <summary>When set, the next open stream ends (the control plane went away).</summary>
    public CancellationTokenSource EndStream { get; private set; } = new();

    public override async Task Attach(IAsyncStreamReader<ProxyTapMessage> requestStream, IServerStreamWriter<TapCommand> responseStream, ServerCallContext context)
    {
        using var end = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, EndStream.Token);
        var ct = end.Token;
        Interlocked.Increment(ref _attached);
        try
        {
            var writer = Task.Run(async () =>
            {
                await foreach (var command in _commands.Reader.ReadAllAsync(ct))
                {
                    await responseStream.WriteAsync(command, ct);
                }
            }, ct);
            while (await requestStream.MoveNext(ct))
            {
                var message = requestStream.Current;
                switch (message.KindCase)
                {
                    case ProxyTapMessage.KindOneofCase.Hello:
                        Hellos.Enqueue(message.Hello);
                        break;
                    case ProxyTapMessage.KindOneofCase.Started:
                        Started.Enqueue(message.Started);
                        break;
                    case ProxyTapMessage.KindOneofCase.Event:
                        Events.Enqueue(message.Event);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ended by the test or the proxy.
        }
        finally
        {
            Interlocked.Decrement(ref _attached);
            if (EndStream.IsCancellationRequested)
            {
                EndStream = new CancellationTokenSource();
            }
        }
    }
}
