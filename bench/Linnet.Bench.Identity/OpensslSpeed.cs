using System.Diagnostics;
using System.Globalization;

namespace Linnet.Bench.Identity;

/// <summary><c>openssl speed -seconds 3 ecdsap256</c>: ECDSA P-256 signs and verifies per second on one core,
/// the machine's crypto ceiling.</summary>
/// <param name="Version">What <c>openssl version</c> says.</param>
internal sealed record OpensslSpeed(string Version, double SignsPerSecond, double VerifiesPerSecond)
{
    public static async Task<OpensslSpeed> RunAsync(CancellationToken ct)
    {
        var version = (await RunAsync(["version"], ct)).Trim();
        var output = await RunAsync(["speed", "-seconds", "3", "ecdsap256"], ct);
        // The summary line: " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  40183.2  13420.8"
        var line = output.Split('\n').LastOrDefault(l => l.Contains("ecdsa (nistp256)", StringComparison.Ordinal) && l.TrimEnd().Length > 0 && char.IsDigit(l.TrimEnd()[^1]))
            ?? throw new InvalidOperationException($"openssl speed printed no nistp256 summary:\n{output}");
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new OpensslSpeed(
            version,
            double.Parse(words[^2], CultureInfo.InvariantCulture),
            double.Parse(words[^1], CultureInfo.InvariantCulture));
    }

    private static async Task<string> RunAsync(string[] arguments, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start openssl");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return await stdout + await stderr;
    }
}
