namespace Linnet.Proxy.Tests.Architecture;

public sealed class ProxyFolderDependencyTests
{
    // Which folder of the proxy may use which (docs/architecture.md, "Proxy folders"). Today's graph, cycles
    // included: the list may only shrink. A new pair fails the test; so does a listed pair no longer used,
    // so that the list never keeps a permission nobody needs.
    private static readonly string[] Allowed =
    [
        "Admin -> Configuration",
        "Admin -> Identity",
        "Admin -> Listening",
        "Admin -> Routing",
        "Admin -> Tap",
        "Admin -> Telemetry",
        "Authorization -> Configuration",
        "Authorization -> Telemetry",
        "Balancing -> Configuration",
        "Connections -> Routing",
        "Connections -> Telemetry",
        "ControlPlane -> Configuration",
        "ControlPlane -> Identity",
        "ControlPlane -> Resilience",
        "ControlPlane -> Telemetry",
        "ControlPlane -> Tls",
        "Filters -> Configuration",
        "Http -> Authorization",
        "Http -> Balancing",
        "Http -> Configuration",
        "Http -> Connections",
        "Http -> Detection",
        "Http -> Filters",
        "Http -> Mirroring",
        "Http -> Resilience",
        "Http -> Routing",
        "Http -> Tap",
        "Http -> Telemetry",
        "Http -> Tls",
        "Http -> Upstream",
        "Identity -> Configuration",
        "Identity -> Resilience",
        "Listening -> Authorization",
        "Listening -> Balancing",
        "Listening -> Configuration",
        "Listening -> Connections",
        "Listening -> Detection",
        "Listening -> Http",
        "Listening -> Routing",
        "Listening -> Tcp",
        "Listening -> Telemetry",
        "Listening -> Tls",
        "Mirroring -> Balancing",
        "Mirroring -> Detection",
        "Mirroring -> Resilience",
        "Mirroring -> Routing",
        "Mirroring -> Upstream",
        "Resilience -> Configuration",
        "Resilience -> Telemetry",
        "Routing -> Authorization",
        "Routing -> Balancing",
        "Routing -> Configuration",
        "Routing -> Filters",
        "Routing -> Resilience",
        "Routing -> Telemetry",
        "Tap -> Balancing",
        "Tap -> Configuration",
        "Tap -> Connections",
        "Tap -> ControlPlane",
        "Tap -> Identity",
        "Tap -> Resilience",
        "Tap -> Streams",
        "Tap -> Telemetry",
        "Tcp -> Balancing",
        "Tcp -> Configuration",
        "Tcp -> Telemetry",
        "Tcp -> Tls",
        "Telemetry -> Configuration",
        "Telemetry -> Streams",
        "Tls -> Configuration",
        "Tls -> Identity",
        "Tls -> Streams",
        "Upstream -> Balancing",
        "Upstream -> Configuration",
        "Upstream -> Routing",
        "Upstream -> Telemetry",
        "Upstream -> Tls",
    ];

    [Fact]
    public void Folders_UseOnlyTheAllowedFolders()
    {
        var actual = FolderDependencies.Read(typeof(ProxyHost).Assembly.Location);

        var added = actual.Except(Allowed).ToList();
        var unused = Allowed.Except(actual).ToList();
        Assert.True(added.Count == 0 && unused.Count == 0,
            $"new folder dependencies: [{string.Join(", ", added)}]; allowed but unused (remove them): [{string.Join(", ", unused)}]");
    }

    [Fact]
    public void Folders_NoTwoUseEachOther()
    {
        // Issue 11: the last mutual pair (Http <-> Mirroring) is gone; the clients to upstreams (Upstream/) sit
        // below both the request path and the mirror.
        var actual = FolderDependencies.Read(typeof(ProxyHost).Assembly.Location).ToHashSet();

        var mutual = actual.Where(pair => actual.Contains(Reverse(pair))).Order(StringComparer.Ordinal).ToList();

        Assert.True(mutual.Count == 0, $"folders that use each other: [{string.Join(", ", mutual)}]");
    }

    [Fact]
    public void Read_KnownUses_AreFound()
    {
        // The reader itself: uses visible only in IL (a call), in a field and in a signature are all found.
        var actual = FolderDependencies.Read(typeof(ProxyHost).Assembly.Location);

        Assert.Contains("Balancing -> Configuration", actual); // EndpointState(EndpointConfig ...) signature
        Assert.Contains("Routing -> Balancing", actual);       // ServiceState's IBalancer field
        Assert.DoesNotContain("Configuration -> Http", actual);
    }

    private static string Reverse(string pair)
    {
        var parts = pair.Split(" -> ");
        return $"{parts[1]} -> {parts[0]}";
    }
}
