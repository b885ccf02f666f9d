using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Translation;

namespace Linnet.ControlPlane.Core.Tests.Translation;

/// <summary>Endpoints from EndpointSlices (the Kubernetes platform), by the rules of the discovery.k8s.io/v1 API
/// reference: a slice belongs to the Service its <c>kubernetes.io/service-name</c> label names; its ports apply to
/// all its endpoints and match Service ports by name; <c>ready</c> unset means ready; duplicates across slices are
/// one endpoint. The Pod a targetRef names gives identity and whether the endpoint is meshed.</summary>
public sealed class MeshTranslatorEndpointSliceTests
{
    private const string Store = """
        apiVersion: v1
        kind: Service
        metadata: { name: web, namespace: default }
        spec:
          selector: { app: web }
          ports:
            - { name: http, port: 80, targetPort: 8080 }
            - { name: admin, port: 9000, targetPort: 9000 }
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: external, namespace: default }
        spec:
          selector: {}
          ports: [ { port: 443, targetPort: 443 } ]
        ---
        apiVersion: linnet.io/v1alpha1
        kind: Instance
        metadata: { name: web-a, namespace: default, labels: { app: web } }
        spec: { workload: web, address: 10.1.0.1, serviceAccount: web-sa, ports: [8080], proxyInboundPort: 4143, proxyAdminPort: 4191, ready: true }
        ---
        apiVersion: linnet.io/v1alpha1
        kind: Instance
        metadata: { name: web-ready-pod-not-in-a-slice, namespace: default, labels: { app: web } }
        spec: { workload: web, address: 10.1.0.9, serviceAccount: web-sa, ports: [8080], proxyInboundPort: 4143, proxyAdminPort: 4191, ready: true }
        ---
        apiVersion: linnet.io/v1alpha1
        kind: Instance
        metadata: { name: web-c, namespace: default, labels: { app: web } }
        spec: { workload: web, address: 10.1.0.3, serviceAccount: web-sa, ports: [8080], proxyInboundPort: 4143, proxyAdminPort: 4191, ready: false }
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: web-1, namespace: default }
        spec:
          serviceName: web
          addressType: IPv4
          endpoints:
            - { address: 10.1.0.1, pod: web-a }
            - { address: 10.1.0.2, ready: false, serving: true, terminating: true, pod: web-b }
            - { address: 10.1.0.3, ready: true, pod: web-c }
          ports: [ { name: http, port: 8080 }, { name: admin, port: 9000 } ]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: web-2, namespace: default }
        spec:
          serviceName: web
          addressType: IPv4
          endpoints:
            - { address: 10.1.0.3, ready: true, pod: web-c }
            - { address: 10.1.0.4, ready: true }
          ports: [ { name: http, port: 8080 } ]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: web-other-namespace, namespace: other }
        spec:
          serviceName: web
          endpoints: [ { address: 10.2.0.1, ready: true } ]
          ports: [ { name: http, port: 8080 } ]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: external-hand-written, namespace: default }
        spec:
          serviceName: external
          endpoints: [ { address: 192.0.2.10, ready: true } ]
          ports: [ { name: "", port: 8443 } ]
        """;

    private static MeshView Translate(EndpointSource source)
    {
        var parsed = ManifestParser.Parse(Store, "store", ManifestOrigin.Store);
        Assert.True(parsed.IsValid, string.Join("\n", parsed.Errors));
        return MeshTranslator.Translate(new StoreSnapshot(1, parsed.Resources.ToDictionary(r => r.Key)), endpointSource: source);
    }

    private static MeshService Service(MeshView view, string key) => view.Services.Single(s => s.Key == key);

    [Fact]
    public void Translate_EndpointSlices_ReadyEndpointsOfTheServicesSlicesOnly()
    {
        var http = Service(Translate(EndpointSource.EndpointSlices), "web.default:80");

        // web-a (ready unset: ready), web-c (twice, once), the pod-less 10.1.0.4; not web-b (terminating, not ready),
        // not the ready pod no slice names, not the other namespace's slice.
        Assert.Equal(["10.1.0.1", "10.1.0.3", "10.1.0.4"], http.Endpoints.Select(e => e.Address));
    }

    [Fact]
    public void Translate_EndpointSlices_PodGivesIdentityAndMeshing_SliceGivesReadiness()
    {
        var endpoints = Service(Translate(EndpointSource.EndpointSlices), "web.default:80").Endpoints.ToDictionary(e => e.Address);

        // web-a is meshed: reached through its proxy, with the identity of its service account.
        Assert.Equal((4143, true, "spiffe://cluster.local/ns/default/sa/web-sa", "web-a", "web"), (endpoints["10.1.0.1"].Port, endpoints["10.1.0.1"].Meshed, endpoints["10.1.0.1"].Identity, endpoints["10.1.0.1"].Instance, endpoints["10.1.0.1"].Workload));

        // web-c's Pod is not Ready, but the slice says ready: the slice decides.
        Assert.True(endpoints["10.1.0.3"].Meshed);

        // No Pod named: the app's address and port as the slice gives them, unmeshed, no identity to check.
        Assert.Equal((8080, false, ""), (endpoints["10.1.0.4"].Port, endpoints["10.1.0.4"].Meshed, endpoints["10.1.0.4"].Identity));
    }

    [Fact]
    public void Translate_EndpointSlices_PortsMatchedByName()
    {
        var view = Translate(EndpointSource.EndpointSlices);

        // admin is in web-1 only: its ready endpoints at 9000 (not the pods' primary port, so straight to the app).
        Assert.Equal([("10.1.0.1", 9000), ("10.1.0.3", 9000)], Service(view, "web.default:9000").Endpoints.Select(e => (e.Address, e.Port)));

        // A Service without selector is served from the slice written for it; its single port is unnamed ("").
        Assert.Equal([("192.0.2.10", 8443)], Service(view, "external.default:443").Endpoints.Select(e => (e.Address, e.Port)));
    }

    [Fact]
    public void Translate_Selector_IgnoresSlices()
    {
        var http = Service(Translate(EndpointSource.Selector), "web.default:80");

        // Universal mode: the ready instances the selector matches, whatever slices the store holds.
        Assert.Equal(["10.1.0.1", "10.1.0.9"], http.Endpoints.Select(e => e.Address));
    }
}
