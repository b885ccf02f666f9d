using System.Globalization;
using System.Text.Json.Nodes;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>Manifests for the identity and mTLS tests: workloads running the sample backend under a service
/// account of their own, and the identities the control plane issues for them.</summary>
internal static class MeshedWorkloads
{
    /// <summary>The SPIFFE id the CA issues for <paramref name="serviceAccount"/> of namespace <c>default</c>.</summary>
    public static string Identity(string serviceAccount) => $"spiffe://cluster.local/ns/default/sa/{serviceAccount}";

    /// <summary>A workload of one instance running the sample backend on 8080 as <paramref name="serviceAccount"/>,
    /// labelled <c>app: &lt;name&gt;</c>. <paramref name="logRequests"/> makes the app print a line per request it
    /// receives into its <c>app.log</c>; <paramref name="opaque"/> declares 8080 opaque.</summary>
    public static string Workload(string name, string serviceAccount, string inboundTls = "permissive", bool logRequests = false, bool opaque = false) =>
        string.Create(CultureInfo.InvariantCulture, $$"""
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata:
          name: {{name}}
          labels: { app: {{name}} }
          annotations: { config.linnet.io/inbound-tls: {{inboundTls}} }
        spec:
          replicas: 1
          serviceAccount: {{serviceAccount}}
          command: dotnet
          args: ["{{Binaries.SampleBackend}}"]
          ports: [8080]
          opaquePorts: [{{(opaque ? "8080" : "")}}]
          env: [ { name: LOG_REQUESTS, value: "{{(logRequests ? "1" : "0")}}" } ]

        """);

    /// <summary>A service <paramref name="name"/> on port 80 over the instances labelled <c>app: &lt;name&gt;</c>.</summary>
    public static string Service(string name, bool opaque = false) => $$"""
        apiVersion: v1
        kind: Service
        metadata: { name: {{name}} }
        spec:
          selector: { app: {{name}} }
          ports: [ { port: 80, targetPort: 8080{{(opaque ? ", appProtocol: tcp" : "")}} } ]

        """;

    /// <summary>The app's log of an instance (<c>instances/default/&lt;instance&gt;/app.log</c>), empty before it exists.</summary>
    public static string AppLog(Mesh mesh, string instance)
    {
        var path = Path.Combine(mesh.DataDirectory, "instances", "default", instance, "app.log");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }

    /// <summary>The port where every instance's proxy serves <paramref name="service"/>:80 (from the Service's status).</summary>
    public static async Task<int> LocalPortAsync(Mesh mesh, HttpClient http, string service, CancellationToken cancellationToken)
    {
        var json = JsonNode.Parse(await mesh.ApiClient.GetStringAsync(new Uri(mesh.Api, $"api/v1/resources/Service/default/{service}"), cancellationToken))!;
        return int.Parse(json["status"]!["localPorts"]!["80"]!.ToString(), CultureInfo.InvariantCulture);
    }

    /// <summary>The app's log once it holds at least <paramref name="count"/> lines equal to <paramref name="line"/>.
    /// The supervisor copies the app's output into the file asynchronously, so a line can land there a moment
    /// after the response it precedes; the output keeps its order, so whatever the app printed before is there too.</summary>
    public static async Task<string> AppLogWithAsync(Mesh mesh, string instance, string line, int count, CancellationToken cancellationToken)
    {
        var log = "";
        await Eventually.UntilAsync(
            () => CountLines(log = AppLog(mesh, instance), line) >= count,
            TimeSpan.FromSeconds(15),
            $"{count} × '{line}' in {instance}'s app.log",
            cancellationToken,
            () => log);
        return log;
    }

    /// <summary>How many lines of <paramref name="log"/> are exactly <paramref name="line"/>.</summary>
    public static int CountLines(string log, string line) =>
        log.Split('\n').Count(l => l.TrimEnd('\r') == line);
}
