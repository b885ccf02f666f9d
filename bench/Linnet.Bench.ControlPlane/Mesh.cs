using System.Globalization;
using System.Text;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.Bench.ControlPlane;

/// <summary>The benchmark's mesh: <c>svc-0 … svc-(S-1)</c> in namespace <c>bench</c>, each selecting
/// <c>I</c> ready Instances (one endpoint each), and an HTTPRoute on <c>svc-0</c> splitting traffic between
/// <c>svc-1</c> and <c>svc-2</c>, whose weights are what the benchmark changes.</summary>
internal static class Mesh
{
    public const string Namespace = "bench";
    public const string RouteName = "split";

    /// <summary>Every Service, as one manifest for the HTTP API (admission gives each its local port).</summary>
    public static string ServicesManifest(int services)
    {
        var sb = new StringBuilder(services * 200);
        for (var s = 0; s < services; s++)
        {
            sb.Append(CultureInfo.InvariantCulture, $$"""
                apiVersion: v1
                kind: Service
                metadata: { name: svc-{{s}}, namespace: {{Namespace}} }
                spec:
                  selector: { app: svc-{{s}} }
                  ports: [ { name: http, port: 80, targetPort: 8080, appProtocol: http } ]
                ---

                """);
        }

        return sb.ToString();
    }

    /// <summary>The HTTPRoute on svc-0 with <paramref name="weight"/> to svc-1 and the rest of 100 to svc-2.</summary>
    public static string RouteManifest(int weight) => string.Create(CultureInfo.InvariantCulture, $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: {{RouteName}}, namespace: {{Namespace}} }
        spec:
          parentRefs: [ { name: svc-0 } ]
          rules:
            - backendRefs: [ { name: svc-1, weight: {{weight}} }, { name: svc-2, weight: {{100 - weight}} } ]

        """);

    /// <summary>The scrape benchmark's Service: <c>app</c>, selecting every fleet proxy's Instance.</summary>
    public const string ScrapeServiceManifest = """
        apiVersion: v1
        kind: Service
        metadata: { name: app, namespace: bench }
        spec:
          selector: { app: bench-app }
          ports: [ { name: http, port: 80, targetPort: 8080, appProtocol: http } ]

        """;

    /// <summary>One ready Instance per <see cref="ProxyFleet"/> proxy (workload <c>proxy-i</c>, pod <c>proxy-i-0</c>, its
    /// service account, address and admin/inbound ports), selected by <see cref="ScrapeServiceManifest"/>.</summary>
    public static List<InstanceResource> FleetInstances(int proxies, int portBase)
    {
        var labels = new Dictionary<string, string> { ["app"] = "bench-app" };
        return [.. Enumerable.Range(0, proxies).Select(i =>
        {
            var workload = string.Create(CultureInfo.InvariantCulture, $"proxy-{i}");
            return new InstanceResource
            {
                Metadata = new ObjectMeta { Name = workload + "-0", Namespace = Namespace, Labels = labels },
                Spec = new InstanceSpec(workload, ProxyFleet.Address(i), workload, [8080], portBase + (3 * i) + 1, portBase + (3 * i), Ready: true, Version: "1"),
            };
        })];
    }

    /// <summary>The ready Instances of Service <paramref name="service"/>, as the platform writes them.
    /// Addresses are never dialed (no traffic flows in this benchmark); they are loopback ones anyway.</summary>
    public static List<InstanceResource> Instances(int service, int count)
    {
        var list = new List<InstanceResource>(count);
        var app = string.Create(CultureInfo.InvariantCulture, $"svc-{service}");
        var labels = new Dictionary<string, string> { ["app"] = app };
        for (var i = 0; i < count; i++)
        {
            var address = string.Create(CultureInfo.InvariantCulture, $"127.{100 + (service / 250)}.{service % 250}.{(i % 250) + 1}");
            list.Add(new InstanceResource
            {
                Metadata = new ObjectMeta { Name = string.Create(CultureInfo.InvariantCulture, $"{app}-{i}"), Namespace = Namespace, Labels = labels },
                Spec = new InstanceSpec(app, address, app, [8080], 4143, 4191, Ready: true, Version: "1"),
            });
        }

        return list;
    }
}
