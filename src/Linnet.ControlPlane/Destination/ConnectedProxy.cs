namespace Linnet.ControlPlane.Destination;

/// <summary>A proxy subscribed to the Destination API: who it says it is, where it connected from, and the
/// last version it was sent (so <c>linnet check</c> can tell which proxies lag behind the store).</summary>
internal sealed class ConnectedProxy(long id, string ns, string workload, string instance, string remoteAddress, DateTimeOffset connectedSince)
{
    private string _version = "";
    private long _updates;

    public long Id { get; } = id;

    public string Namespace { get; } = ns;

    public string Workload { get; } = workload;

    public string Instance { get; } = instance;

    public string RemoteAddress { get; } = remoteAddress;

    public DateTimeOffset ConnectedSince { get; } = connectedSince;

    /// <summary>The version of the last update sent ("" before the first).</summary>
    public string Version => Volatile.Read(ref _version);

    /// <summary>How many updates (snapshots included) were sent.</summary>
    public long Updates => Interlocked.Read(ref _updates);

    /// <summary>Records an update about to be written.</summary>
    public void Sent(string version)
    {
        Volatile.Write(ref _version, version);
        Interlocked.Increment(ref _updates);
    }
}
