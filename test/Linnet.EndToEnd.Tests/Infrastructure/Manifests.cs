using System.Globalization;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>The manifests the tests apply. Backends run the sample backend, which answers
/// <c>backend &lt;instance&gt; v&lt;VERSION&gt;</c>.</summary>
internal static class Manifests
{
    public static string Service(string name, string selector) => $$"""
        apiVersion: v1
        kind: Service
        metadata: { name: {{name}} }
        spec:
          selector: {{selector}}
          ports: [ { port: 80, targetPort: 8080 } ]

        """;

    public static string Backend(string name, int replicas, string labels, string version) => string.Create(CultureInfo.InvariantCulture, $$"""
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata: { name: {{name}}, labels: {{labels}} }
        spec:
          replicas: {{replicas}}
          command: dotnet
          args: ["{{Binaries.SampleBackend}}"]
          ports: [8080]
          env: [ { name: VERSION, value: "{{version}}" } ]

        """);

    /// <summary>The <c>backend</c> service split between <c>backend-v1</c> and <c>backend-v2</c> by weight.</summary>
    public static string Split(int v1Weight, int v2Weight) => string.Create(CultureInfo.InvariantCulture, $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: backend-split }
        spec:
          parentRefs: [ { name: backend } ]
          rules:
            - backendRefs: [ { name: backend-v1, weight: {{v1Weight}} }, { name: backend-v2, weight: {{v2Weight}} } ]

        """);

    /// <summary>Two versions of the backend, each behind a service of its own, and the <c>backend</c> service
    /// over both with a route splitting it.</summary>
    public static string VersionedBackends(int v1Replicas, int v2Replicas, int v1Weight, int v2Weight) => Join(
        Service("backend", "{ app: backend }"),
        Service("backend-v1", "{ app: backend, version: v1 }"),
        Service("backend-v2", "{ app: backend, version: v2 }"),
        Backend("backend-v1", v1Replicas, "{ app: backend, version: v1 }", "1"),
        Backend("backend-v2", v2Replicas, "{ app: backend, version: v2 }", "2"),
        Split(v1Weight, v2Weight));

    public static string Join(params string[] documents) => string.Join("---\n", documents);
}
