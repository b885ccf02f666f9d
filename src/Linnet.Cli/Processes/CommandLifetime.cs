using Microsoft.Extensions.Hosting;

namespace Linnet.Cli.Processes;

/// <summary>The host lifetime of a control plane a command runs: the command, through <see cref="Termination"/>,
/// decides when the host stops. (The default console lifetime would take SIGINT/SIGTERM for itself and only
/// flag the host as stopping, so that a first Ctrl-C stopped nothing and a second one was swallowed.)</summary>
internal sealed class CommandLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
