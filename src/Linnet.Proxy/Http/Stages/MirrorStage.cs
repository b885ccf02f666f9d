using Linnet.Proxy.Configuration;
using Linnet.Proxy.Mirroring;
using Linnet.Proxy.Resilience;

namespace Linnet.Proxy.Http.Stages;

/// <summary>Outbound, for a route rule with filters: keeps a small body whole (≤ the retry body limit) when
/// the request may be retried or mirrored, then sends the mirror's copy (fire and forget, bounded in flight):
/// of the kept body, or for a streamed body (unknown length, too large) one that follows the primary's reading
/// of it. Rules without filters pass untouched.</summary>
internal sealed class MirrorStage(RequestMirror mirror, Random random) : IRequestStage
{
    /// <inheritdoc />
    public string Name => "mirror";

    /// <inheritdoc />
    public Task InvokeAsync(RequestState request, ProxyRequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(next);
        return request.Policy is null ? next(request) : MirrorAsync(request, next);
    }

    private async Task MirrorAsync(RequestState request, ProxyRequestDelegate next)
    {
        var policy = request.Policy!;
        var http = request.Context.Request;
        var retry = policy.RetryFor(http.Method, request.Grpc);
        var target = policy.Mirror is { } m && Percent.Draw(random, policy.MirrorPercent) ? m : null;
        if (retry is not null || target is not null)
        {
            request.KeptBody = await RequestBodyBuffer.TryKeepAsync(http, retry?.Config.MaxBodyBytes ?? RetryConfig.DefaultMaxBodyBytes, request.Deadline?.Token ?? request.Context.RequestAborted);
        }

        if (target is null)
        {
            await next(request);
            return;
        }

        if (request.KeptBody is { } kept)
        {
            request.Series!.Mirror(mirror.TrySend(http, kept, target));
            await next(request);
            return;
        }

        // Streamed (unknown length: chunked, HTTP/2, gRPC) or too large to keep: the copy follows the
        // primary's reading of the body.
        var original = http.Body;
        var copy = new MirroredRequestBody(original, RequestMirror.MaxBufferedBody);
        var sent = mirror.TrySend(http, copy, target);
        request.Series!.Mirror(sent);
        if (!sent)
        {
            await next(request);
            return;
        }

        http.Body = copy;
        try
        {
            await next(request);
        }
        finally
        {
            http.Body = original;
            copy.EndOfPrimary();
        }
    }
}
