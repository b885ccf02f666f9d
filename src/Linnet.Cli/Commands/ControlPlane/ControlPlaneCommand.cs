using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Linnet.Cli.Processes;
using Linnet.ControlPlane;
using Linnet.Platform.Universal.Store;
using Linnet.Platform.Universal.Supervisor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Cli.Commands.ControlPlane;

/// <summary>Builds <c>linnet control-plane</c>: the control plane in universal mode, in the foreground — the
/// store on disk under the data directory, the Destination API, the HTTP API, and the supervisor that runs
/// workloads as processes. <c>linnet up</c> starts this in the background.</summary>
internal static class ControlPlaneCommand
{
    private static readonly Option<string> GrpcListen = new("--grpc-listen") { Description = "Where proxies connect (gRPC).", DefaultValueFactory = _ => $"0.0.0.0:{ControlPlaneOptions.DefaultGrpcPort}" };

    public static Command Create()
    {
        var command = new Command("control-plane", "Run the control plane and the universal supervisor in the foreground.") { GrpcListen };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!IPEndPoint.TryParse(parse.GetValue(GrpcListen)!, out var grpc))
            {
                await Console.Error.WriteLineAsync("--grpc-listen: not an ip:port address");
                return ExitCodes.Invalid;
            }

            return await RunAsync(new DataDirectory(parse.GetValue(CliOptions.DataDir)!), new Uri(parse.GetValue(CliOptions.Api)!), cancellationToken, grpc);
        });
        return command;
    }

    public static async Task<int> RunAsync(DataDirectory data, Uri api, CancellationToken cancellationToken, IPEndPoint? grpc = null)
    {
        Directory.CreateDirectory(data.Path);
        if (data.RunningPid() is { } running && running != Environment.ProcessId)
        {
            await Console.Error.WriteLineAsync($"a control plane (pid {running}) already runs on {data.Path}");
            return ExitCodes.Failed;
        }

        if (!IPAddress.TryParse(api.Host, out var apiAddress))
        {
            apiAddress = IPAddress.Loopback;
        }

        grpc ??= new IPEndPoint(IPAddress.Any, ControlPlaneOptions.DefaultGrpcPort);
        var proxyAddress = grpc.Address.Equals(IPAddress.Any) ? $"127.0.0.1:{grpc.Port}" : grpc.ToString();
        await File.WriteAllTextAsync(data.PidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });
        try
        {
            using var store = await FileResourceStore.OpenAsync(Path.Combine(data.Path, "store"), NullLogger<FileResourceStore>.Instance, cancellationToken: cancellationToken);
            var options = new ControlPlaneOptions
            {
                GrpcListen = grpc,
                HttpListen = new IPEndPoint(apiAddress, api.Port),
                // Stopping every instance (SIGTERM, then a grace period) must fit in the host's shutdown.
                ShutdownTimeout = TimeSpan.FromSeconds(30),
            };
            await using var host = ControlPlaneHost.Create(options, store, services =>
            {
                services.AddSingleton(new SupervisorOptions
                {
                    DataDirectory = data.Path,
                    ControlPlaneAddress = proxyAddress,
                    ProxyCommand = Path.Combine(AppContext.BaseDirectory, "linnet-proxy.dll"),
                });
                services.AddHostedService<WorkloadSupervisor>();
            });
            await host.StartAsync(stopping.Token);
            Console.WriteLine($"linnet control plane: API http://{host.HttpEndPoint}, gRPC {host.GrpcEndPoint}, data {data.Path}, store revision {store.Revision}");
            try
            {
                await Task.Delay(Timeout.Infinite, stopping.Token);
            }
            catch (OperationCanceledException)
            {
            }

            Console.WriteLine("linnet control plane: stopping workloads");
            await host.StopAsync(CancellationToken.None);
            return ExitCodes.Ok;
        }
        finally
        {
            File.Delete(data.PidFile);
        }
    }
}
