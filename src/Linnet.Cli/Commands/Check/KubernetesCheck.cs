using System.Text.Json.Nodes;
using Linnet.Cli.Commands.ControlPlane;
using Linnet.Cli.Output;
using Linnet.Platform.Kubernetes.Check;
using Spectre.Console;

namespace Linnet.Cli.Commands.Check;

/// <summary><c>linnet check --platform kubernetes</c>: <see cref="ClusterChecks"/> against the cluster of the
/// kubeconfig, printed as <c>linkerd check</c> prints (each category underlined, √/‼/× per check, the reason and
/// a hint under a check that did not pass, then <c>Status check results are √</c> or <c>×</c>), or as Linkerd's
/// JSON with <c>-o json</c>. Exit 0 when nothing failed (warnings pass), 1 otherwise.</summary>
internal static class KubernetesCheck
{
    public static async Task<int> RunAsync(Printer printer, string? kubeconfig, TimeSpan waitFor, CancellationToken cancellationToken)
    {
        var checks = new ClusterChecks(Connect(kubeconfig), TimeProvider.System);
        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        using var retry = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        var results = await checks.RunAsync(cancellationToken);

        // As linkerd check: only a check that can pass by itself (pods becoming ready) is waited for.
        while (results.Any(r => r is { Status: CheckStatus.Failed, Retryable: true })
            && time.GetElapsedTime(started) < waitFor
            && await retry.WaitForNextTickAsync(cancellationToken))
        {
            results = await checks.RunAsync(cancellationToken);
        }

        var success = results.All(r => r.Status != CheckStatus.Failed);
        if (printer.Format == OutputFormat.Table)
        {
            PrintTable(printer.Console, results, success);
        }
        else
        {
            printer.Print(Json(results, success), () => new Table());
        }

        return success ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static Func<(k8s.IKubernetes?, string?)> Connect(string? kubeconfig) => () =>
        KubernetesSource.TryCreate(kubeconfig, out var source, out var error)
            ? (new k8s.Kubernetes(source!.Configuration), null)
            : (null, error);

    private static void PrintTable(IAnsiConsole console, IReadOnlyList<CheckResult> results, bool success)
    {
        string? category = null;
        foreach (var result in results)
        {
            if (result.Category != category)
            {
                if (category is not null)
                {
                    console.WriteLine();
                }

                category = result.Category;
                console.WriteLine(category);
                console.WriteLine(new string('-', category.Length));
            }

            console.MarkupLine($"{Mark(result.Status)} {Markup.Escape(result.Description)}");
            if (result.Error is not null)
            {
                // Written whole, never wrapped at the terminal's width: people copy the hint's commands.
                console.Profile.Out.Writer.WriteLine($"    {result.Error}");
                console.Profile.Out.Writer.WriteLine($"    hint: {result.Hint}");
            }
        }

        console.WriteLine();
        console.MarkupLine($"Status check results are {Mark(success ? CheckStatus.Ok : CheckStatus.Failed)}");
    }

    // Linkerd's marks: √ (U+221A), ‼ (U+203C), × (U+00D7).
    private static string Mark(CheckStatus status) => status switch
    {
        CheckStatus.Ok => "[green bold]√[/]",
        CheckStatus.Warning => "[yellow bold]‼[/]",
        _ => "[red bold]×[/]",
    };

    // linkerd check -o json: {"success", "categories": [{"categoryName", "checks": [{"description", "hint", "error", "result"}]}]}.
    private static JsonObject Json(IReadOnlyList<CheckResult> results, bool success) => new()
    {
        ["success"] = success,
        ["categories"] = new JsonArray([.. results.GroupBy(r => r.Category).Select(g => (JsonNode)new JsonObject
        {
            ["categoryName"] = g.Key,
            ["checks"] = new JsonArray([.. g.Select(r =>
            {
                var check = new JsonObject
                {
                    ["description"] = r.Description,
                    ["result"] = r.Status switch { CheckStatus.Ok => "success", CheckStatus.Warning => "warning", _ => "error" },
                };
                if (r.Error is not null)
                {
                    check["error"] = r.Error;
                    check["hint"] = r.Hint;
                }

                return (JsonNode)check;
            })]),
        })]),
    };
}
