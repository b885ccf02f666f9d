using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Linnet.ControlPlane.Hosting;

/// <summary>Kestrel's listen options for each listener; Kestrel writes the bound address (the real port
/// when 0 was asked for) back into them when it binds.</summary>
internal sealed class BoundListeners
{
    public ListenOptions? Grpc { get; set; }

    public ListenOptions? Http { get; set; }

    public static IPEndPoint EndPointOf(ListenOptions? listen, string name) =>
        listen?.IPEndPoint is { Port: > 0 } endPoint ? endPoint : throw new InvalidOperationException($"the {name} listener is not bound; start the host first");
}
