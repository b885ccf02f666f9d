using Microsoft.Extensions.Hosting;

namespace Linnet.Testing;

/// <summary>
/// Replaces the default console lifetime so that in-process test hosts neither hook SIGTERM/SIGINT of the
/// test runner nor print status messages.
/// </summary>
internal sealed class NoOpHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
