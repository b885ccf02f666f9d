using Linnet.Testing;

namespace Linnet.Platform.Kubernetes.Tests;

/// <summary>Runs kubectl for what it does without a cluster (kustomize, patch --local).</summary>
internal static class Kubectl
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>kubectl's standard output; fails the test with its output when it exits non-zero.</summary>
    public static async Task<string> RunAsync(params string[] arguments)
    {
        var ct = TestContext.Current.CancellationToken;
        var output = Path.GetTempFileName();
        try
        {
            // Standard output to a file: TestProcess merges stderr into its lines, and the YAML must be exact.
            await using var process = await TestProcess.StartAsync(
                "/bin/sh",
                ["-c", "exec \"$0\" \"$@\" > \"$KUBECTL_OUTPUT\"", Repository.Kubectl(), .. arguments],
                new Dictionary<string, string?> { ["KUBECTL_OUTPUT"] = output },
                Repository.Root,
                ct);
            var exitCode = await process.WaitForExitAsync(Timeout, ct);
            Assert.True(exitCode == 0, $"kubectl {string.Join(' ', arguments)} exited {exitCode}: {process.Output}");
            return await File.ReadAllTextAsync(output, ct);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
