using System.Globalization;
using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>Linnet's canary operations: <c>analysis.rollbackWindow</c> (warm rollback) and the status fields of
/// manual commands and of the previous primary kept warm.</summary>
public static partial class ManifestParser
{
    // Longer than a day would keep a whole second copy of the service running for little reason.
    private static readonly TimeSpan MaxRollbackWindow = TimeSpan.FromHours(24);

    private static TimeSpan ParseRollbackWindow(YamlMap analysis)
    {
        var window = new CanaryAnalysis().RollbackWindow;
        if (analysis.Text("rollbackWindow") is { } text)
        {
            if (text == "0")
            {
                return TimeSpan.Zero;
            }

            if (!GoDuration.TryParse(text, out window) || window > MaxRollbackWindow)
            {
                analysis.Error("rollbackWindow", $"'{text}' is not a duration of at most 24h (such as 10m; 0 turns warm rollback off)");
                return new CanaryAnalysis().RollbackWindow;
            }
        }

        return window;
    }

    private static CanaryStatus ParseCanaryOpsStatus(YamlMap status, CanaryStatus result)
    {
        CanaryCommand? command = null;
        var c = status.Map("command");
        if (c.Exists)
        {
            command = new CanaryCommand(c.Text("action") ?? "", c.Text("by") ?? "", Time(c, "at"), c.Text("outcome") ?? CanaryCommands.Applied, c.Text("message") ?? "");
            c.RejectUnknown();
        }

        CanaryStandby? standby = null;
        var s = status.Map("standby");
        if (s.Exists)
        {
            var until = s.Text("until") is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : (DateTimeOffset?)null;
            standby = new CanaryStandby(s.Text("spec") ?? "", until, s.Bool("serving") ?? false, s.Number("weight", 1, 99));
            s.RejectUnknown();
        }

        return result with { Paused = status.Bool("paused") ?? false, Command = command, Standby = standby };
    }

    // Flagger mirrors only while a blue/green or A/B analysis runs its iterations (gateway_api.go: mirrored &&
    // iterations > 0); mirrorWeight is the percentage mirrored (Istio's mirrorPercentage; Linnet's proxies honour it).
    private static (bool Mirror, int Weight) ParseMirror(YamlMap analysis, int iterations)
    {
        var mirror = analysis.Bool("mirror") ?? false;
        var weight = analysis.Number("mirrorWeight", 0, 100);
        if (mirror && iterations == 0)
        {
            analysis.Error("mirror", "needs iterations: Flagger mirrors traffic to the canary only during a blue/green (or A/B) analysis");
        }

        if (weight is not null && !mirror && weight != 0)
        {
            analysis.Error("mirrorWeight", "needs mirror: true");
        }

        return (mirror, weight ?? 100);
    }
}
