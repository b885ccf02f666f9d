using System.CommandLine;
using System.Runtime.InteropServices;
using Linnet.Cli.Processes;
using Linnet.Platform.Universal.Supervisor;
using Spectre.Console;

namespace Linnet.Cli.Commands.Down;

/// <summary>Builds <c>linnet down</c>: stops the control plane, which stops every instance it runs, then
/// makes sure no process started from the data directory is left.</summary>
internal static partial class DownCommand
{
    public static Command Create()
    {
        var command = new Command("down", "Stop the control plane and every workload it runs.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var console = AnsiConsole.Console;
            var data = new DataDirectory(parse.GetValue(CliOptions.DataDir)!);
            if (data.RunningPid() is { } pid)
            {
                _ = Kill(pid, 15);
                var stopped = await console.Status().StartAsync("Stopping the control plane and its workloads", async _ => await WaitGoneAsync(pid, TimeSpan.FromSeconds(60), cancellationToken));
                if (!stopped)
                {
                    console.MarkupLine("[yellow]the control plane did not stop in 60 s; killing it[/]");
                    _ = Kill(pid, 9);
                }
            }
            else
            {
                console.MarkupLine("The control plane is not running.");
            }

            // Whatever survived (a crashed control plane leaves its children): stop it too. The supervisor
            // records the processes it starts (apps do not name the data directory on their command line).
            var recorded = await RecordedProcesses.StopAsync(data.Path, TimeSpan.FromSeconds(5), TimeProvider.System, cancellationToken);
            var leftovers = data.ProcessesUsingIt();
            foreach (var p in leftovers)
            {
                _ = Kill(p, 9);
            }

            if (recorded + leftovers.Count > 0)
            {
                console.MarkupLineInterpolated($"Stopped {recorded + leftovers.Count} leftover processes.");
            }

            console.MarkupLine("Down.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<bool> WaitGoneAsync(int pid, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (DataDirectory.IsAlive(pid) && await poll.WaitForNextTickAsync(cts.Token))
            {
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        return true;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
