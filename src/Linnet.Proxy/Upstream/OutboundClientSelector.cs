using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Upstream;

/// <summary>The one place that decides how an outbound endpoint is reached: which pooled client, which
/// destination prefix, and whether the request crosses the mesh (mTLS, HTTP/2 between the proxies, the
/// request marked with its original protocol). Every outbound forward — first attempts, retries, mirrored
/// copies — goes through here.</summary>
internal sealed class OutboundClientSelector(HttpMessageInvoker plaintext, MeshClients mesh)
{
    /// <summary>The pooled plaintext client (original destinations, endpoints outside the mesh).</summary>
    public HttpMessageInvoker Plain => plaintext;

    /// <summary>The way to reach <paramref name="endpoint"/> with <paramref name="request"/>; marks or unmarks
    /// the request's <c>l5d-orig-proto</c> to match (a retry may move between meshed and plain endpoints).
    /// With no request (a copy is made from it later, as the mirror does), nothing is marked.</summary>
    public OutboundTarget Select(EndpointState endpoint, HttpRequest? request)
    {
        if (mesh.TryGet(endpoint.Config, out var meshClient, out var tls))
        {
            if (request is not null)
            {
                OrigProto.Mark(request);
            }

            return new OutboundTarget(meshClient, endpoint.HttpPrefix, true, SeriesLabels(endpoint, tls));
        }

        if (request is not null && request.Headers.ContainsKey(OrigProto.Header))
        {
            request.Headers.Remove(OrigProto.Header);
        }

        if (request is not null)
        {
            DstCanonical.Remove(request.Headers);
        }

        return new OutboundTarget(plaintext, endpoint.HttpPrefix, false, SeriesLabels(endpoint, TlsLabel.OutboundPlaintext));
    }

    // The series labels of a request to this endpoint: its tls label and Linkerd's dst_* labels, rendered
    // once per endpoint config (the tls strings are interned per identity, so references compare).
    private static string SeriesLabels(EndpointState endpoint, string tls)
    {
        var config = endpoint.Config;
        if (endpoint.SeriesLabels is { } cached && ReferenceEquals(cached.Item1, config) && ReferenceEquals(cached.Item2, tls))
        {
            return cached.Item3;
        }

        var labels = DstLabels.Combine(tls, config.MetricLabels);
        endpoint.SeriesLabels = Tuple.Create(config, tls, labels);
        return labels;
    }

    /// <summary>The series labels of a service's requests recorded before (or without) an endpoint: the tls
    /// label of its first endpoint (a service's endpoints are meshed alike) and the service's own
    /// <c>dst_*</c> labels (<c>dst_namespace</c>, <c>dst_service</c>; no endpoint's).</summary>
    public string TlsLabelFor(Routing.ServiceState service) => service.SeriesLabels ??= RenderServiceLabels(service);

    private string RenderServiceLabels(Routing.ServiceState service)
    {
        var endpoints = service.Endpoints;
        var tls = endpoints.Count > 0 && mesh.TryGet(endpoints[0].Config, out _, out var meshTls) ? meshTls : TlsLabel.OutboundPlaintext;
        return DstLabels.Combine(tls, service.Config.MetricLabels);
    }
}
