using System.Collections.Concurrent;
using Grpc.Core;
using Linnet.Api.Identity.V1;

namespace Linnet.Proxy.Tests.ControlPlane;

/// <summary>An Identity API that records every token it receives and refuses to issue: a spoofed CA, as an
/// attacker would run it to collect tokens.</summary>
internal sealed class FakeIdentityService : Linnet.Api.Identity.V1.Identity.IdentityBase
{
    /// <summary>Every token that reached this server.</summary>
    public ConcurrentQueue<string> Tokens { get; } = new();

    public override Task<CertifyResponse> Certify(CertifyRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        Tokens.Enqueue(request.Token.ToStringUtf8());
        throw new RpcException(new Status(StatusCode.Unavailable, "a fake CA issues nothing"));
    }
}
