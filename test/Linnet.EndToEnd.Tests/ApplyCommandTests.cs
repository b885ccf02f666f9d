using System.Net;
using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary><c>linnet apply</c> against a running control plane.</summary>
public sealed class ApplyCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task InvalidManifests_ExactErrors()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        var file = Path.Combine(Path.GetTempPath(), $"linnet-e2e-{Guid.NewGuid().ToString("N")[..12]}-bad.yaml");
        await File.WriteAllTextAsync(file, Manifests.Join(
            Manifests.Service("good-svc", "{ app: good }"),
            """
            apiVersion: v1
            kind: Service
            metadata: { name: bad-svc }
            spec:
              selector: { app: bad }
              ports: [ { port: 0, targetPort: 8080 } ]

            """), ct);
        try
        {
            var apply = await mesh.RunCliAsync(ct, "apply", "-f", file);

            // Errors go to stderr as whole lines: the exact line is there.
            var lines = apply.Output.Split('\n', StringSplitOptions.TrimEntries);
            Assert.Equal(2, apply.ExitCode);
            Assert.Contains($"error: {file}: document 2 (Service/bad-svc): spec.ports[0].port: 0 is out of range 1..65535", lines);
            Assert.Contains("nothing was applied", apply.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("document 1", apply.Output, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, await mesh.GetStatusAsync("Service", "good-svc", ct));
            Assert.Equal(HttpStatusCode.NotFound, await mesh.GetStatusAsync("Service", "bad-svc", ct));
            Assert.Empty(await mesh.NamesAsync("Service", ct));
            await mesh.DownAsync(ct);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
