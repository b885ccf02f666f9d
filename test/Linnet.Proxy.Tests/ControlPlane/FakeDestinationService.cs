using System.Threading.Channels;
using Grpc.Core;
using Linnet.Api.Destination.V1;

namespace Linnet.Proxy.Tests.ControlPlane;

/// <summary>A Destination API the test drives. It holds a model of the mesh (services by key and a version):
/// a new subscriber gets the model as a snapshot, and every change is pushed to open streams as the control
/// plane would push it (incremental, or a snapshot for <see cref="Replace"/>).</summary>
internal sealed class FakeDestinationService : Destination.DestinationBase
{
    private readonly Lock _lock = new();
    private readonly List<Channel<ConfigUpdate>> _streams = [];
    private readonly Dictionary<string, Service> _model = new(StringComparer.Ordinal);
    private string? _version;
    private int _subscribeCount;

    /// <summary>When true, Subscribe fails at once with UNAVAILABLE.</summary>
    public bool Refuse { get; set; }

    /// <summary>Calls of Subscribe so far, refused ones included.</summary>
    public int SubscribeCount => Volatile.Read(ref _subscribeCount);

    /// <summary>Streams open now.</summary>
    public int OpenStreams
    {
        get
        {
            lock (_lock)
            {
                return _streams.Count;
            }
        }
    }

    /// <summary>The last request received.</summary>
    public SubscribeRequest? LastRequest { get; private set; }

    /// <summary>The subscriber's inbound policy, sent with every snapshot (null: none, the proxy's default).</summary>
    public InboundPolicy? Policy { get; set; }

    /// <summary>Replaces the model and sends it as a snapshot to open streams. Before the first call, new
    /// subscribers get nothing (a control plane still loading its store).</summary>
    public void Replace(string version, params Service[] services)
    {
        var update = new ConfigUpdate { Version = version, Snapshot = true, InboundPolicy = Policy };
        update.Services.Add(services);
        lock (_lock)
        {
            _model.Clear();
            foreach (var service in services)
            {
                _model[service.Key] = service;
            }

            _version = version;
            Send(update);
        }
    }

    /// <summary>Upserts services into the model and pushes them as an incremental update.</summary>
    public void Upsert(string version, params Service[] services)
    {
        var update = new ConfigUpdate { Version = version };
        update.Services.Add(services);
        lock (_lock)
        {
            foreach (var service in services)
            {
                _model[service.Key] = service;
            }

            _version = version;
            Send(update);
        }
    }

    /// <summary>Removes services from the model and pushes the removal as an incremental update.</summary>
    public void Remove(string version, params string[] keys)
    {
        var update = new ConfigUpdate { Version = version };
        update.RemovedServices.Add(keys);
        lock (_lock)
        {
            foreach (var key in keys)
            {
                _model.Remove(key);
            }

            _version = version;
            Send(update);
        }
    }

    /// <summary>Ends every open stream normally (the server method returns).</summary>
    public void EndStreams()
    {
        lock (_lock)
        {
            foreach (var stream in _streams)
            {
                stream.Writer.TryComplete();
            }
        }
    }

    public override async Task Subscribe(SubscribeRequest request, IServerStreamWriter<ConfigUpdate> responseStream, ServerCallContext context)
    {
        Interlocked.Increment(ref _subscribeCount);
        LastRequest = request;
        if (Refuse)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "refused by the test"));
        }

        var stream = Channel.CreateUnbounded<ConfigUpdate>();
        lock (_lock)
        {
            if (_version is not null)
            {
                var snapshot = new ConfigUpdate { Version = _version, Snapshot = true, InboundPolicy = Policy };
                snapshot.Services.Add(_model.Values);
                stream.Writer.TryWrite(snapshot);
            }

            _streams.Add(stream);
        }

        try
        {
            await foreach (var update in stream.Reader.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(update, context.CancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away, or the server is stopping.
        }
        finally
        {
            lock (_lock)
            {
                _streams.Remove(stream);
            }
        }
    }

    private void Send(ConfigUpdate update)
    {
        foreach (var stream in _streams)
        {
            stream.Writer.TryWrite(update);
        }
    }
}
