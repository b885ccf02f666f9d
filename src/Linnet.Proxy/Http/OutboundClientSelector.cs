using Linnet.Proxy.Balancing;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Http;

/// <summary>The one place that decides how an outbound endpoint is reached: which pooled client, which
/// destination prefix, and whether the request crosses the mesh (mTLS, HTTP/2 between the proxies, the
/// request marked with its original protocol). Every outbound forward — first attempts, retries, mirrored
/// copies — goes through here.</summary>
internal sealed class OutboundClientSelector(HttpMessageInvoker plaintext, MeshClients mesh)
{
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

            return new OutboundTarget(meshClient, endpoint.HttpPrefix, true, tls);
        }

        if (request is not null && request.Headers.ContainsKey(OrigProto.Header))
        {
            request.Headers.Remove(OrigProto.Header);
        }

        return new OutboundTarget(plaintext, endpoint.HttpPrefix, false, TlsLabel.OutboundPlaintext);
    }

    /// <summary>The tls label of a service's requests: that of its first endpoint (a service's endpoints are
    /// meshed alike), for the series recorded before an endpoint is picked.</summary>
    public string TlsLabelFor(Routing.ServiceState service)
    {
        var endpoints = service.Endpoints;
        return endpoints.Count > 0 && mesh.TryGet(endpoints[0].Config, out _, out var tls) ? tls : TlsLabel.OutboundPlaintext;
    }
}
