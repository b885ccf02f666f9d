using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Security;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Rollouts;

/// <summary>Calls a Canary's webhooks as Flagger does (pkg/controller/webhook.go, go-retryablehttp): POST of the
/// JSON payload, each attempt bounded by the hook's timeout; a connection error, a 429 or a 5xx other than 501
/// is retried <c>retries</c> times after 1 s, 2 s, 4 s … (at most 30 s); the hook passed when the final status
/// is at most 202, else it failed with the response body as the reason. Hosts naming a mesh Service are dialled
/// at a ready instance (<see cref="MeshServiceResolver"/>); redirects are not followed; every call is signed
/// (<see cref="WebhookSignature"/>). URLs are never logged (a path may hold a token).</summary>
internal sealed partial class CanaryWebhookClient : IDisposable
{
    private const int MaxReason = 300;
    private static readonly TimeSpan MinWait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);
    private readonly HttpClient _http;
    private readonly WebhookSigningKey _key;
    private readonly TimeProvider _time;
    private readonly ILogger<CanaryWebhookClient> _logger;

    public CanaryWebhookClient(IResourceStore store, WebhookSigningKey key, TimeProvider time, ILogger<CanaryWebhookClient> logger)
    {
        _key = key;
        _time = time;
        _logger = logger;
        var resolver = new MeshServiceResolver(store);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            ConnectCallback = async (context, ct) =>
            {
                EndPoint endPoint = resolver.Resolve(context.DnsEndPoint.Host, context.DnsEndPoint.Port) ?? (EndPoint)context.DnsEndPoint;
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(endPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Calls <paramref name="hook"/> with <paramref name="phase"/> in its payload.</summary>
    public Task<CanaryHookResult> CallAsync(CanaryResource canary, CanaryWebhook hook, string phase, CancellationToken cancellationToken) =>
        PostAsync(canary, hook, CanaryHookPayload.For(canary, hook, phase), cancellationToken);

    /// <summary>Posts <paramref name="canaryEvent"/> to the event hook <paramref name="hook"/>; a failure is logged.</summary>
    public async Task SendEventAsync(CanaryResource canary, CanaryWebhook hook, string phase, CanaryEvent canaryEvent, CancellationToken cancellationToken)
    {
        var result = await PostAsync(canary, hook, CanaryHookPayload.ForEvent(canary, hook, phase, canaryEvent), cancellationToken);
        if (!result.Passed)
        {
            Log.EventFailed(_logger, canary.Key.ToString(), hook.Name, result.Message);
        }
    }

    private async Task<CanaryHookResult> PostAsync(CanaryResource canary, CanaryWebhook hook, JsonObject payload, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(payload.ToJsonString());
        var wait = MinWait;
        for (var attempt = 0; ; attempt++)
        {
            string reason;
            var retry = false;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(hook.Timeout);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation(WebhookSignature.Header, _key.Signer is { } signer
                    ? WebhookSignature.SignRequest(_key.Key, signer, WebhookRequestLine.For("POST", hook.Url), body, _time.GetUtcNow(), WebhookSignature.NewNonce())
                    : WebhookSignature.Sign(_key.Key, body, _time.GetUtcNow()));
                using var response = await _http.SendAsync(request, timeout.Token);
                var text = await response.Content.ReadAsStringAsync(timeout.Token);
                var status = (int)response.StatusCode;
                if (status is >= 200 and <= 202)
                {
                    return new CanaryHookResult(true, "");
                }

                reason = text.Length > 0 ? Clean(text) : $"HTTP {status}";
                retry = status is 429 or (>= 500 and not 501);
                if (status < 200 || !retry)
                {
                    return new CanaryHookResult(false, reason);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                reason = $"no answer within the timeout {Core.Resources.GoDuration.Format(hook.Timeout)}";
                retry = true;
            }
            catch (HttpRequestException ex)
            {
                // Our own resolver's messages name the Service; a socket error's type says enough, and
                // HttpClient's own messages can carry the URL.
                reason = ex.InnerException is null && ex.Message.StartsWith("Service ", StringComparison.Ordinal) ? ex.Message : $"connection failed ({(ex.InnerException as SocketException)?.SocketErrorCode.ToString() ?? ex.HttpRequestError.ToString()})";
                retry = true;
            }

            if (!retry || attempt >= hook.Retries)
            {
                Log.HookFailed(_logger, canary.Key.ToString(), hook.Name, hook.Type, attempt + 1, reason);
                return new CanaryHookResult(false, attempt > 0 ? $"{reason} (giving up after {attempt + 1} attempts)" : reason);
            }

            await Task.Delay(wait, _time, cancellationToken);
            wait = wait * 2 > MaxWait ? MaxWait : wait * 2;
        }
    }

    // A reason goes into events and alerts: one line, printable, bounded.
    private static string Clean(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxReason));
        foreach (var c in text.Trim())
        {
            if (builder.Length == MaxReason)
            {
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString();
    }

    public void Dispose() => _http.Dispose();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Canary {Canary}: {Type} hook {Hook} failed after {Attempts} attempt(s): {Reason}")]
        public static partial void HookFailed(ILogger logger, string canary, string hook, string type, int attempts, string reason);

        [LoggerMessage(2, LogLevel.Warning, "Canary {Canary}: event hook {Hook} failed: {Reason}")]
        public static partial void EventFailed(ILogger logger, string canary, string hook, string reason);
    }
}
