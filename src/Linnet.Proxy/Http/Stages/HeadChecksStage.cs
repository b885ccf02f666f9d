using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Linnet.Proxy.Http.Stages;

/// <summary>Checks the raw HTTP/1 request head Kestrel would otherwise repair silently (<see cref="Http1HeadCapture"/>):
/// both <c>Content-Length</c> and <c>Transfer-Encoding</c> (RFC 9112 §6.3, how requests are smuggled) and a
/// request target with characters that are not visible ASCII (§3.2) get 400 and are never forwarded; headers the
/// <c>Connection</c> header nominates are noted as hop-by-hop.</summary>
internal sealed class HeadChecksStage(ProxyResponses responses) : IRequestStage
{
    /// <inheritdoc />
    public string Name => "head-checks";

    /// <inheritdoc />
    public Task InvokeAsync(RequestState request, ProxyRequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(next);
        var context = request.Context;
        if (context.Features.Get<Http1HeadCapture>() is not { } head)
        {
            return next(request);
        }

        var inspection = head.Take();
        if (inspection.ConflictingFraming)
        {
            return BadRequestAsync(request, "request has both Content-Length and Transfer-Encoding");
        }

        if (!IsVisibleAscii(context.Features.Get<IHttpRequestFeature>()!.RawTarget))
        {
            return BadRequestAsync(request, "request target has characters that are not visible ASCII");
        }

        request.HopByHop = inspection.Nominated;
        return ThenExpectNextHeadAsync(next(request), context, head);
    }

    private Task BadRequestAsync(RequestState request, string reason) =>
        responses.RespondAsync(request, request.Context.Request.Host.Value ?? "", ProxyError.BadRequest, reason);

    private static bool IsVisibleAscii(string target)
    {
        foreach (var c in target)
        {
            if (c is <= ' ' or >= (char)0x7F)
            {
                return false;
            }
        }

        return true;
    }

    // Once a request's body has been read to its end, what the connection consumes next is the next
    // request's head. If it was not (the forward failed early), Kestrel drains the rest later and those
    // bytes are body, not head: stop checking this connection rather than misread them.
    private static async Task ThenExpectNextHeadAsync(Task forward, HttpContext context, Http1HeadCapture head)
    {
        await forward;
        var bodyDetection = context.Features.Get<IHttpRequestBodyDetectionFeature>();
        if (bodyDetection is { CanHaveBody: false })
        {
            head.BeginHead();
            return;
        }

        if (context.Request.BodyReader.TryRead(out var result))
        {
            context.Request.BodyReader.AdvanceTo(result.Buffer.Start);
            if (result.IsCompleted && result.Buffer.IsEmpty)
            {
                head.BeginHead();
            }
        }
    }
}
