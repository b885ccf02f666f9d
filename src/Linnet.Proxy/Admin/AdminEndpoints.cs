using System.Text;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Listening;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Tap;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Admin;

/// <summary>The admin listener: <c>/metrics</c> (Prometheus text), <c>/ready</c>, <c>/live</c>.</summary>
internal sealed class AdminEndpoints(ProxyMetrics metrics, ProxyListenerService listeners, ServiceTable services, IProxyConfigProvider config, AuthorizationMetrics authorization, ProxyIdentity identity, IdentityMetrics identityMetrics, TapHub tap)
{
    public Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        switch (context.Request.Path.Value)
        {
            case "/metrics":
                var sb = new StringBuilder(16 * 1024);
                metrics.WriteTo(sb);
                authorization.WriteTo(sb);
                tap.WriteTo(sb);
                if (identity.Enabled)
                {
                    identityMetrics.WriteTo(sb);
                }

                response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                return response.WriteAsync(sb.ToString());
            case "/ready":
                // Not ready until the listeners are bound, with a control plane its first snapshot is in effect,
                // and with an identity a certificate is held.
                var ready = listeners.IsListening && config.IsSynced && identity.IsReady;
                response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
                return response.WriteAsync(ready ? "ready\n" : !config.IsSynced ? "not ready: no config yet\n" : !identity.IsReady ? "not ready: no certificate yet\n" : "not ready\n");
            case "/live":
                return response.WriteAsync("live\n");
            case "/config-version":
                return response.WriteAsync(services.Version + "\n");
            default:
                response.StatusCode = StatusCodes.Status404NotFound;
                return response.WriteAsync("not found: admin paths are /metrics, /ready, /live, /config-version\n");
        }
    }
}
