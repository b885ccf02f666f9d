using System.CommandLine;
using System.Diagnostics;
using System.Net;
using Linnet.Cli.Api;
using Linnet.Cli.Commands.Apply;
using Linnet.Cli.Output;
using Linnet.Cli.Processes;
using Spectre.Console;

namespace Linnet.Cli.Commands.Up;

/// <summary>Builds <c>linnet up</c>: starts the control plane (with the universal supervisor) in the
/// background unless it is already running, waits until it answers, then applies the given manifests.</summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var files = new Option<string[]>("--filename", "-f") { Description = "Manifests to apply once the control plane is up.", AllowMultipleArgumentsPerToken = true };
        var foreground = new Option<bool>("--foreground") { Description = "Run the control plane in this process until Ctrl-C." };
        var grpcListen = ControlPlane.ControlPlaneCommand.GrpcListenOption();
        var firstAddress = ControlPlane.ControlPlaneCommand.FirstAddressOption();
        var command = new Command("up", "Start the control plane and supervisor (universal mode), then apply manifests.") { files, foreground, grpcListen, firstAddress };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var console = AnsiConsole.Console;
            var data = new DataDirectory(parse.GetValue(CliOptions.DataDir)!);
            var api = parse.GetValue(CliOptions.Api)!;
            var client = CliOptions.Client(parse);
            if (!ControlPlane.ControlPlaneCommand.TryParse(parse, grpcListen, firstAddress, out var grpc, out var first, out var error))
            {
                await Console.Error.WriteLineAsync(error);
                return ExitCodes.Invalid;
            }

            var manifests = await ApplyHandler.ReadAsync(parse.GetValue(files) ?? [], Console.In, cancellationToken);

            if (parse.GetValue(foreground))
            {
                var apply = ApplyWhenUpAsync(client, manifests, console, cancellationToken);
                var code = await ControlPlane.ControlPlaneCommand.RunAsync(data, new Uri(api), cancellationToken, grpc, first);
                await apply;
                return code;
            }

            if (await client.HealthAsync(cancellationToken) is null)
            {
                Directory.CreateDirectory(data.Path);
                var started = StartDetached(data, api, grpc, first);
                var up = await console.Status().StartAsync($"Starting the control plane (log: {data.LogFile})", async _ => await WaitUpAsync(client, started, cancellationToken));
                if (!up)
                {
                    console.MarkupLineInterpolated($"[red]the control plane did not start[/]; last lines of {data.LogFile}:");
                    foreach (var line in File.Exists(data.LogFile) ? File.ReadLines(data.LogFile).TakeLast(20) : [])
                    {
                        console.WriteLine(line);
                    }

                    return ExitCodes.Failed;
                }

                console.MarkupLineInterpolated($"Control plane up: API {api}, gRPC {grpc}, data in {data.Path}");
            }
            else
            {
                console.MarkupLineInterpolated($"Control plane already running at {api}");
            }

            return manifests.Count == 0 ? ExitCodes.Ok : await new ApplyHandler(client, new Printer(console, OutputFormat.Table)).RunAsync(manifests, cancellationToken);
        });
        return command;
    }

    private static async Task ApplyWhenUpAsync(ControlPlaneClient client, List<(string, string)> manifests, IAnsiConsole console, CancellationToken cancellationToken)
    {
        if (manifests.Count == 0 || !await WaitUpAsync(client, null, cancellationToken))
        {
            return;
        }

        await new ApplyHandler(client, new Printer(console, OutputFormat.Table)).RunAsync(manifests, cancellationToken);
    }

    /// <summary>Starts <c>linnet control-plane</c> in its own session (it outlives this command), logging to a file.</summary>
    private static Process StartDetached(DataDirectory data, string api, IPEndPoint grpc, IPAddress? firstAddress)
    {
        var linnet = Path.Combine(AppContext.BaseDirectory, "linnet.dll");
        var info = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", "exec setsid \"$0\" \"$@\" >>\"$LINNET_LOG\" 2>&1 </dev/null", "dotnet", linnet, "control-plane", "--data-dir", data.Path, "--api", api },
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--grpc-listen");
        info.ArgumentList.Add(grpc.ToString());
        if (firstAddress is not null)
        {
            info.ArgumentList.Add("--first-address");
            info.ArgumentList.Add(firstAddress.ToString());
        }

        info.Environment["LINNET_LOG"] = data.LogFile;
        return Process.Start(info) ?? throw new InvalidOperationException("cannot start the control plane");
    }

    private static async Task<bool> WaitUpAsync(ControlPlaneClient client, Process? process, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await poll.WaitForNextTickAsync(timeout.Token))
            {
                if (await client.HealthAsync(timeout.Token) is not null)
                {
                    return true;
                }

                if (process is { HasExited: true, ExitCode: not 0 })
                {
                    return false;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return false;
    }
}
