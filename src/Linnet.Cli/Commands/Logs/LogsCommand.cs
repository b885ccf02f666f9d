using System.CommandLine;

namespace Linnet.Cli.Commands.Logs;

/// <summary>Builds <c>linnet logs</c>: an instance's (or every instance of a workload's) app or proxy log,
/// from the universal data directory.</summary>
internal static class LogsCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("name") { Description = "An instance (web-0) or a workload (web: all its instances)." };
        var ns = CliOptions.Namespace();
        var proxy = new Option<bool>("--proxy") { Description = "The instance's proxy log instead of the app's." };
        var tail = new Option<int>("--tail") { Description = "Only the last N lines of each log (0: all).", DefaultValueFactory = _ => 0 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing lines as they are written, until Ctrl-C." };
        var command = new Command("logs", "Print logs of an instance or a workload's instances.") { target, ns, proxy, tail, follow };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var root = Path.Combine(parse.GetValue(CliOptions.DataDir)!, "instances", parse.GetValue(ns)!);
            var name = parse.GetValue(target)!;
            var file = parse.GetValue(proxy) ? "proxy.log" : "app.log";
            var folders = Directory.Exists(Path.Combine(root, name))
                ? [Path.Combine(root, name)]
                : Directory.Exists(root)
                    ? Directory.GetDirectories(root).Where(d => IsInstanceOf(Path.GetFileName(d), name)).Order(StringComparer.Ordinal).ToArray()
                    : [];
            if (folders.Length == 0)
            {
                await Console.Error.WriteLineAsync($"error: no instance or workload '{name}' in {root}");
                return ExitCodes.Failed;
            }

            var followers = new List<LogFollower>();
            foreach (var folder in folders)
            {
                var path = Path.Combine(folder, file);
                var prefix = folders.Length > 1 ? $"[{Path.GetFileName(folder)}] " : "";
                var follower = new LogFollower(path, prefix, Console.Out);
                followers.Add(follower);
                await follower.PrintExistingAsync(parse.GetValue(tail), parse.GetValue(follow), cancellationToken);
            }

            if (parse.GetValue(follow))
            {
                await LogFollower.FollowAsync(followers, TimeProvider.System, cancellationToken);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static bool IsInstanceOf(string instance, string workload) =>
        instance.StartsWith(workload + "-", StringComparison.Ordinal) && int.TryParse(instance.AsSpan(workload.Length + 1), out _);
}
