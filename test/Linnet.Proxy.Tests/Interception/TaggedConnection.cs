using System.Net;

namespace Linnet.Proxy.Tests.Interception;

/// <summary>One connection a <see cref="TagListener"/> answered: the client's tag, its address, and where the
/// client had sent it when iptables redirected it (null when it was not redirected).</summary>
internal sealed record TaggedConnection(string Tag, IPEndPoint Peer, IPEndPoint? OriginalDestination);
