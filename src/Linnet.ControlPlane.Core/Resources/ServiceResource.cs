namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A <c>Service</c> (<c>v1</c>): a stable name for the instances its selector matches.</summary>
public sealed record ServiceResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "Service";

    /// <inheritdoc />
    public override string ApiVersion => "v1";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The spec.</summary>
    public required ServiceSpec Spec { get; init; }

    /// <summary>What the control plane assigned: in universal mode, a local port per service port.</summary>
    public ServiceStatus Status { get; init; } = ServiceStatus.Empty;

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is ServiceResource s && Spec.Equals(s.Spec);

    /// <inheritdoc />
    public override bool StatusEquals(Resource other) => other is ServiceResource s && Status.Equals(s.Status);
}

/// <summary>Service spec: label selector and ports.</summary>
public sealed record ServiceSpec(IReadOnlyDictionary<string, string> Selector, IReadOnlyList<ServicePort> Ports)
{
    /// <inheritdoc />
    public bool Equals(ServiceSpec? other) =>
        other is not null && DictionaryEquality.Equal(Selector, other.Selector) && Ports.SequenceEqual(other.Ports);

    /// <inheritdoc />
    public override int GetHashCode() => Ports.Count;
}

/// <summary>One service port: what clients dial, and which instance port serves it.</summary>
/// <param name="Name">Optional port name.</param>
/// <param name="Port">The port clients address (<c>backend:80</c>).</param>
/// <param name="TargetPort">The instance port that serves it.</param>
/// <param name="AppProtocol">http, http2, grpc or opaque; null means detect.</param>
public sealed record ServicePort(string? Name, int Port, int TargetPort, string? AppProtocol);

/// <summary>Service status.</summary>
/// <param name="LocalPorts">Service port → the port on every instance's own address where its proxy serves it.</param>
public sealed record ServiceStatus(IReadOnlyDictionary<int, int> LocalPorts)
{
    /// <summary>Nothing assigned yet.</summary>
    public static ServiceStatus Empty { get; } = new(new Dictionary<int, int>());

    /// <inheritdoc />
    public bool Equals(ServiceStatus? other) =>
        other is not null && LocalPorts.Count == other.LocalPorts.Count && LocalPorts.All(kv => other.LocalPorts.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <inheritdoc />
    public override int GetHashCode() => LocalPorts.Count;
}
