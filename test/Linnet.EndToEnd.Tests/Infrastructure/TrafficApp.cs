using System.Globalization;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>Manifests for the traffic tests' workload, <c>linnet-e2e-app</c> (test/Linnet.EndToEnd.App): it
/// answers like the sample backend (<c>backend &lt;instance&gt; v&lt;VERSION&gt;</c>), counts what it
/// answered per path, fails a share of requests on request, and in gRPC mode serves <c>linnet.testing.Echo</c>.</summary>
internal static class TrafficApp
{
    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, "linnet-e2e-app.dll");

    /// <summary>A workload of the app on port 8080 with its own service account.</summary>
    public static string Workload(string name, int replicas, string labels, string version, string serviceAccount, bool grpc = false, double failPercent = 0, int delayMs = 0) => string.Create(CultureInfo.InvariantCulture, $$"""
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata: { name: {{name}}, labels: {{labels}} }
        spec:
          replicas: {{replicas}}
          serviceAccount: {{serviceAccount}}
          command: dotnet
          args: ["{{Path}}"]
          ports: [8080]
          env:
            - { name: VERSION, value: "{{version}}" }
            - { name: GRPC, value: "{{(grpc ? "1" : "0")}}" }
            - { name: FAIL_PERCENT, value: "{{failPercent}}" }
            - { name: DELAY_MS, value: "{{delayMs}}" }

        """);

    /// <summary>A service on port 80 to the app's 8080, with annotations (a YAML flow mapping) and an app protocol.</summary>
    public static string Service(string name, string selector, string annotations = "{}", string? appProtocol = null) => $$"""
        apiVersion: v1
        kind: Service
        metadata: { name: {{name}}, annotations: {{annotations}} }
        spec:
          selector: {{selector}}
          ports: [ { port: 80, targetPort: 8080{{(appProtocol is null ? "" : $", appProtocol: {appProtocol}")}} } ]

        """;
}
