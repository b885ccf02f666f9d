using System.Globalization;
using System.Text;

namespace Linnet.Proxy.Telemetry;

/// <summary>The proxy's identity metrics, named as linkerd2-proxy's: when the current certificate expires and
/// how many certificates have been obtained. Rendered only when the proxy has an identity.</summary>
internal sealed class IdentityMetrics
{
    private long _refreshes;
    private long _expiration = -1;
    private long _controlPlaneRefusedDestination;
    private long _controlPlaneRefusedIdentity;
    private long _controlPlaneRefusedTap;

    /// <summary>How many certificates have been put in effect (the first one included).</summary>
    public long Refreshes => Interlocked.Read(ref _refreshes);

    /// <summary>Records a new certificate valid until <paramref name="notAfter"/>.</summary>
    public void Refreshed(DateTimeOffset notAfter)
    {
        Interlocked.Exchange(ref _expiration, notAfter.ToUnixTimeSeconds());
        Interlocked.Increment(ref _refreshes);
    }

    /// <summary>How many TLS handshakes with the control plane were refused because it did not prove its identity.</summary>
    public long ControlPlaneRefusals => Interlocked.Read(ref _controlPlaneRefusedDestination) + Interlocked.Read(ref _controlPlaneRefusedIdentity) + Interlocked.Read(ref _controlPlaneRefusedTap);

    /// <summary>Records a control plane (Destination, Identity or Tap API: <paramref name="api"/>) whose certificate was refused.</summary>
    public void ControlPlaneRefused(string api)
    {
        if (api == "destination")
        {
            Interlocked.Increment(ref _controlPlaneRefusedDestination);
        }
        else if (api == "tap")
        {
            Interlocked.Increment(ref _controlPlaneRefusedTap);
        }
        else
        {
            Interlocked.Increment(ref _controlPlaneRefusedIdentity);
        }
    }

    /// <summary>Appends the identity series in Prometheus text format; nothing before the first certificate
    /// (a gauge of 0 would read as "expired in 1970").</summary>
    public void WriteTo(StringBuilder sb)
    {
        ArgumentNullException.ThrowIfNull(sb);
        var expiration = Interlocked.Read(ref _expiration);
        if (expiration >= 0)
        {
            sb.Append("# HELP identity_cert_expiration_timestamp_seconds Time when this proxy's current mTLS identity certificate will expire (in seconds since the UNIX epoch).\n# TYPE identity_cert_expiration_timestamp_seconds gauge\n");
            sb.Append(CultureInfo.InvariantCulture, $"identity_cert_expiration_timestamp_seconds {expiration}\n");
        }

        sb.Append("# HELP identity_cert_refresh_count The total number of times this proxy's mTLS identity certificate has been refreshed by the Identity service.\n# TYPE identity_cert_refresh_count counter\n");
        sb.Append(CultureInfo.InvariantCulture, $"identity_cert_refresh_count {Refreshes}\n");
        sb.Append("# HELP control_plane_tls_refused_total TLS handshakes with the control plane refused because its certificate did not prove the expected identity under the trust anchors (nothing was sent to it).\n# TYPE control_plane_tls_refused_total counter\n");
        sb.Append(CultureInfo.InvariantCulture, $"control_plane_tls_refused_total{{api=\"destination\"}} {Interlocked.Read(ref _controlPlaneRefusedDestination)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"control_plane_tls_refused_total{{api=\"identity\"}} {Interlocked.Read(ref _controlPlaneRefusedIdentity)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"control_plane_tls_refused_total{{api=\"tap\"}} {Interlocked.Read(ref _controlPlaneRefusedTap)}\n");
    }
}
