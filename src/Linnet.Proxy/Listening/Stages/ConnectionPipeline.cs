namespace Linnet.Proxy.Listening.Stages;

/// <summary>The connection path: the stages every accepted connection passes, in the one place their order is
/// declared (docs/architecture.md, "The proxy: how a connection flows"). Each stage does its part and calls the
/// next, or ends the path (a refusal, or a terminal stage: HTTP to Kestrel, opaque to the relay).</summary>
internal sealed class ConnectionPipeline
{
    private readonly ConnectionDelegate _entry;

    /// <summary>Composes the stages in their order.</summary>
    public ConnectionPipeline(
        TcpMetricsStage tcpMetrics,
        DescribeStage describe,
        DetectionStage detection,
        MeshTlsStage meshTls,
        StrictRefusalStage strictRefusal,
        TransportHeaderStage transportHeader,
        HttpStage http,
        TcpAuthorizationStage tcpAuthorization,
        OpaqueStage opaque)
        : this([tcpMetrics, describe, detection, meshTls, strictRefusal, transportHeader, http, tcpAuthorization, opaque])
    {
    }

    /// <summary>Composes <paramref name="stages"/> in the given order (tests compose parts of the path).</summary>
    public ConnectionPipeline(IReadOnlyList<IConnectionStage> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        Stages = stages;
        ConnectionDelegate next = static _ => Task.CompletedTask;
        for (var i = stages.Count - 1; i >= 0; i--)
        {
            var stage = stages[i];
            var after = next;
            next = connection => stage.InvokeAsync(connection, after);
        }

        _entry = next;
    }

    /// <summary>The stages, in order.</summary>
    public IReadOnlyList<IConnectionStage> Stages { get; }

    /// <summary>Runs <paramref name="connection"/> through the stages.</summary>
    public Task RunAsync(AcceptedConnection connection) => _entry(connection);
}
