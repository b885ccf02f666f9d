namespace Linnet.ControlPlane.Core.Tests.Kinds;

/// <summary>One valid manifest of every kind users apply, written as the kinds' owners document them (Kubernetes,
/// Gateway API, Linkerd's policy CRDs, Flagger).</summary>
internal static class AllKinds
{
    public const string Manifest = """
        apiVersion: v1
        kind: Service
        metadata: { name: web, namespace: shop }
        spec:
          selector: { app: web }
          ports: [ { name: http, port: 80, targetPort: 8080 } ]
        ---
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata: { name: web, namespace: shop, labels: { app: web } }
        spec: { replicas: 2, command: web, ports: [8080] }
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: web, namespace: shop }
        spec:
          parentRefs: [ { group: core, kind: Service, name: web, port: 80 } ]
          rules:
            - matches: [ { path: { type: PathPrefix, value: /api } } ]
              backendRefs: [ { name: web, port: 80, weight: 90 }, { name: web-canary, port: 80, weight: 10 } ]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: { name: greeter, namespace: shop }
        spec:
          parentRefs: [ { group: core, kind: Service, name: greeter, port: 80 } ]
          rules:
            - matches: [ { method: { service: hello.Greeter, method: SayHello } } ]
              backendRefs: [ { name: greeter, port: 80 } ]
        ---
        apiVersion: policy.linkerd.io/v1beta3
        kind: Server
        metadata: { name: web-http, namespace: shop }
        spec:
          podSelector: { matchLabels: { app: web } }
          port: 8080
          proxyProtocol: HTTP/1
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: { name: web-from-load, namespace: shop }
        spec:
          targetRef: { group: policy.linkerd.io, kind: Server, name: web-http }
          requiredAuthenticationRefs: [ { group: policy.linkerd.io, kind: MeshTLSAuthentication, name: load } ]
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata: { name: load, namespace: shop }
        spec:
          identities: [ "spiffe://cluster.local/ns/shop/sa/load" ]
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: NetworkAuthentication
        metadata: { name: office, namespace: shop }
        spec:
          networks: [ { cidr: 10.0.0.0/8, except: [ 10.1.0.0/16 ] } ]
        ---
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: { name: web, namespace: shop }
        spec:
          targetRef: { apiVersion: linnet.io/v1alpha1, kind: Workload, name: web }
          service: { port: 80, targetPort: 8080 }
          analysis:
            interval: 1m
            threshold: 5
            maxWeight: 50
            stepWeight: 10
            metrics: [ { name: request-success-rate, thresholdRange: { min: 99 }, interval: 1m } ]
        ---
        apiVersion: gateway.networking.k8s.io/v1beta1
        kind: ReferenceGrant
        metadata: { name: from-web, namespace: shop }
        spec:
          from: [ { group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: front } ]
          to: [ { group: "", kind: Service } ]
        ---
        apiVersion: flagger.app/v1beta1
        kind: MetricTemplate
        metadata: { name: not-found, namespace: shop }
        spec:
          provider: { type: prometheus, address: "http://prometheus.monitoring:9090" }
          query: sum(rate(response_total{status_code="404"}[{{ interval }}]))
        ---
        apiVersion: flagger.app/v1beta1
        kind: AlertProvider
        metadata: { name: on-call, namespace: shop }
        spec: { type: slack, channel: on-call, username: flagger, secretRef: { name: on-call-url } }
        ---
        apiVersion: linnet.io/v1alpha1
        kind: ImagePolicy
        metadata: { name: web-updates, namespace: shop }
        spec:
          targetRef: { kind: Workload, name: web }
          policy: minor
          matchPreRelease: false
          trigger: poll
          pollSchedule: "@every 5m"
          approvals: 2
          approvalDeadline: 8
          notify: ["#deploys"]
          releaseNotes: https://example.invalid/notes
        """;
}
