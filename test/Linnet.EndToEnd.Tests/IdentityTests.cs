using System.Globalization;
using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>Universal mode end to end: the control plane generates its CA in the data directory, the supervisor
/// hands every proxy a token, and each proxy becomes ready only with a certificate for its workload's identity.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class IdentityTests(ITestOutputHelper output)
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Instances_ProxiesGetCertificatesForTheirWorkloadsIdentity()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await mesh.ApplyAsync(Manifests.Join(Workload("orders", "orders-sa", strict: false), Workload("payments", "payments-sa", strict: true)), ct);

        var instances = await mesh.WaitForInstancesAsync(2, ct);

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var instance in instances)
        {
            var sa = instance.Workload + "-sa";
            var folder = Path.Combine(mesh.DataDirectory, "instances", "default", instance.Name);
            var config = await File.ReadAllTextAsync(Path.Combine(folder, "proxy.yaml"), ct);
            Assert.Contains($"name: \"spiffe://cluster.local/ns/default/sa/{sa}\"", config, StringComparison.Ordinal);
            Assert.Contains(instance.Workload == "payments" ? "inboundTls: strict" : "inboundTls: permissive", config, StringComparison.Ordinal);
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(folder, "token")));

            var metrics = await http.GetStringAsync(new Uri($"http://{instance.Address}:4191/metrics"), ct);
            Assert.Contains("identity_cert_refresh_count 1", metrics, StringComparison.Ordinal);
            var expiration = long.Parse(metrics.Split('\n').Single(l => l.StartsWith("identity_cert_expiration_timestamp_seconds ", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture);
            var hours = (DateTimeOffset.FromUnixTimeSeconds(expiration) - TimeProvider.System.GetUtcNow()).TotalHours;
            Assert.InRange(hours, 23, 24.1);
            var log = await File.ReadAllTextAsync(Path.Combine(folder, "proxy.log"), ct);
            Assert.Contains($"identity spiffe://cluster.local/ns/default/sa/{sa}: certificate valid until", log, StringComparison.Ordinal);
        }

        var identity = Path.Combine(mesh.DataDirectory, "identity");
        foreach (var key in (string[])["issuer.key", "trust-anchor.key", "token-signing.key"])
        {
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(identity, key)));
        }

        Assert.Contains($"issued a certificate for spiffe://cluster.local/ns/default/sa/orders-sa", mesh.ControlPlane.Output, StringComparison.Ordinal);

        // A token for a proxy on another host, through the CLI.
        var created = await mesh.RunCliAsync(ct, "token", "create", "-n", "default", "-s", "remote", "-o", "json");
        Assert.True(created.ExitCode == 0, created.Output);
        Assert.Contains("\"identity\": \"spiffe://cluster.local/ns/default/sa/remote\"", created.Output, StringComparison.Ordinal);
        await mesh.DownAsync(ct);
    }

    private static string Workload(string name, string serviceAccount, bool strict) => $$"""
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata:
          name: {{name}}
          labels: { app: {{name}} }
          annotations: { config.linnet.io/inbound-tls: {{(strict ? "strict" : "permissive")}} }
        spec:
          replicas: 1
          serviceAccount: {{serviceAccount}}
          command: dotnet
          args: ["{{Binaries.SampleBackend}}"]
          ports: [8080]

        """;
}
