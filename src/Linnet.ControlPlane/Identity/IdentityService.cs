using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Linnet.Api.Identity.V1;
using Linnet.ControlPlane.Core.Identity;
using Microsoft.Extensions.Logging;
using IdentityApi = Linnet.Api.Identity.V1.Identity;

namespace Linnet.ControlPlane.Identity;

/// <summary>The <c>Certify</c> RPC: the token reviewed by the platform's <see cref="IWorkloadTokenReviewer"/> (the control
/// plane's own signature, or a Kubernetes TokenReview), then <see cref="MeshIdentity.Certify(TokenValidation, string?, ReadOnlySpan{byte})"/>. A refusal is a status whose
/// detail is the reason, so the proxy can log exactly why.</summary>
internal sealed partial class IdentityService(MeshIdentity identity, IWorkloadTokenReviewer reviewer, ILogger<IdentityService> logger) : IdentityApi.IdentityBase
{
    public override async Task<CertifyResponse> Certify(CertifyRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var validation = await reviewer.ReviewAsync(request.Token.ToStringUtf8(), context.CancellationToken);
        var result = identity.Certify(validation, request.Identity, request.CertificateSigningRequest.Span);
        if (!result.IsIssued)
        {
            Log.Refused(logger, request.Identity, PeerAddress(context), result.Reason);
            var code = result.Status switch
            {
                CertifyStatus.InvalidArgument => StatusCode.InvalidArgument,
                CertifyStatus.PermissionDenied => StatusCode.PermissionDenied,
                _ => StatusCode.Unauthenticated,
            };
            throw new RpcException(new Status(code, result.Reason));
        }

        Log.Issued(logger, result.Identity!.ToString(), PeerAddress(context), result.ValidUntil);
        var response = new CertifyResponse
        {
            LeafCertificate = ByteString.CopyFrom(result.Leaf),
            ValidUntil = Timestamp.FromDateTimeOffset(result.ValidUntil),
        };
        foreach (var intermediate in result.Intermediates)
        {
            response.IntermediateCertificates.Add(ByteString.CopyFrom(intermediate));
        }

        return response;
    }

    private static string PeerAddress(ServerCallContext context) =>
        context.GetHttpContext().Connection.RemoteIpAddress is { } ip ? new IPEndPoint(ip, context.GetHttpContext().Connection.RemotePort).ToString() : context.Peer;

    private static partial class Log
    {
        [LoggerMessage(401, LogLevel.Information, "issued a certificate for {Identity} to {Peer}, valid until {ValidUntil:u}")]
        public static partial void Issued(ILogger logger, string identity, string peer, DateTimeOffset validUntil);

        [LoggerMessage(402, LogLevel.Warning, "refused a certificate for '{Identity}' to {Peer}: {Reason}")]
        public static partial void Refused(ILogger logger, string identity, string peer, string reason);
    }
}
