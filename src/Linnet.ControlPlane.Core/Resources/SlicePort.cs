namespace Linnet.ControlPlane.Core.Resources;

/// <summary>One port of an EndpointSlice: the Service port of that <paramref name="Name"/> is served on
/// <paramref name="Port"/> of every endpoint of the slice.</summary>
/// <param name="Name">The Service port's name (<c>""</c> for a Service's single unnamed port).</param>
/// <param name="Port">The endpoints' port (the Service's target port, resolved).</param>
/// <param name="AppProtocol">The port's appProtocol, if any.</param>
public sealed record SlicePort(string Name, int Port, string? AppProtocol);
