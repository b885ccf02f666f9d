using System.Threading.Channels;
using Linnet.Api.Tap.V1;

namespace Linnet.ControlPlane.Tap;

/// <summary>A proxy whose tap stream is open: who its certificate says it is, and its queue of commands.</summary>
internal sealed class AttachedTapProxy(long id, string ns, string workload, string instance)
{
    private readonly Channel<TapCommand> _commands = Channel.CreateUnbounded<TapCommand>(new UnboundedChannelOptions { SingleReader = true });

    public long Id { get; } = id;

    public string Namespace { get; } = ns;

    public string Workload { get; } = workload;

    public string Instance { get; } = instance;

    public string Name => $"{Namespace}/{Workload}/{Instance}";

    public ChannelReader<TapCommand> Commands => _commands.Reader;

    public void Send(TapCommand command) => _commands.Writer.TryWrite(command);

    public void Close() => _commands.Writer.TryComplete();
}
