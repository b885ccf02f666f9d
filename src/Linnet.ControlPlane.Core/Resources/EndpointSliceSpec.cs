namespace Linnet.ControlPlane.Core.Resources;

/// <summary>What an EndpointSlice says.</summary>
/// <param name="ServiceName">The Service it belongs to (its <c>kubernetes.io/service-name</c> label).</param>
/// <param name="AddressType"><c>IPv4</c> or <c>IPv6</c>.</param>
/// <param name="Endpoints">Its endpoints.</param>
/// <param name="Ports">The ports every endpoint of the slice serves, by the Service port's name.</param>
public sealed record EndpointSliceSpec(string ServiceName, string AddressType, IReadOnlyList<SliceEndpoint> Endpoints, IReadOnlyList<SlicePort> Ports)
{
    /// <inheritdoc />
    public bool Equals(EndpointSliceSpec? other) =>
        other is not null && ServiceName == other.ServiceName && AddressType == other.AddressType
        && Endpoints.SequenceEqual(other.Endpoints) && Ports.SequenceEqual(other.Ports);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ServiceName, Endpoints.Count);
}
