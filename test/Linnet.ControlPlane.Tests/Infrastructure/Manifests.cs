namespace Linnet.ControlPlane.Tests.Infrastructure;

/// <summary>Manifests the tests apply.</summary>
internal static class Manifests
{
    public static string Service(string name, string ns = "default", string ports = "[ { port: 80, targetPort: 8080 } ]", string? app = null) => $$"""
        apiVersion: v1
        kind: Service
        metadata: { name: {{name}}, namespace: {{ns}} }
        spec:
          selector: { app: {{app ?? name}} }
          ports: {{ports}}

        """;

    /// <summary>An Instance of workload <paramref name="app"/>; <paramref name="specHash"/> is the spec it says it runs.</summary>
    public static string Instance(string name, string app, string address, string ns = "default", bool ready = true, string? specHash = null) => $$"""
        apiVersion: linnet.io/v1alpha1
        kind: Instance
        metadata: { name: {{name}}, namespace: {{ns}}, labels: { app: {{app}} } }
        spec: { workload: {{app}}, address: {{address}}, ports: [8080], proxyInboundPort: 4143, ready: {{(ready ? "true" : "false")}}{{(specHash is null ? "" : $", specHash: \"{specHash}\"")}} }

        """;

    public static string Join(params string[] documents) => string.Join("---\n", documents);
}
