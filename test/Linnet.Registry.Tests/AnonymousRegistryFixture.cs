using Linnet.Registry.Tests.Infrastructure;

namespace Linnet.Registry.Tests;

/// <summary>One real registry without authentication, shared by a class's tests (each uses its own repository).</summary>
public sealed class AnonymousRegistryFixture : IAsyncLifetime
{
    private RegistryServer? _server;

    /// <summary>The registry.</summary>
    public RegistryServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        if (File.Exists("/usr/bin/docker-registry"))
        {
            _server = await RegistryServer.StartAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
