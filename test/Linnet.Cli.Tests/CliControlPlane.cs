using System.Net;
using Linnet.Cli.Api;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.Cli.Tests;

/// <summary>A real control plane on loopback (ephemeral ports, no logging) over an in-memory store that the test
/// moves from state to state, and the CLI's client authenticated as its admin: what the command tests run against.</summary>
internal sealed class CliControlPlane : IAsyncDisposable
{
    private CliControlPlane(InMemoryResourceStore store, ControlPlaneHost host)
    {
        Store = store;
        Host = host;
        Client = ClientWith(host.AdminCredential.Token);
    }

    /// <summary>The store the control plane serves.</summary>
    public InMemoryResourceStore Store { get; }

    /// <summary>The running control plane.</summary>
    public ControlPlaneHost Host { get; }

    /// <summary>The CLI's client, as the admin.</summary>
    public ControlPlaneClient Client { get; }

    /// <summary>The admin credential.</summary>
    public string AdminToken => Host.AdminCredential.Token;

    /// <summary>Starts one; <paramref name="configure"/> adds to the loopback options (approvers, …).</summary>
    public static async Task<CliControlPlane> StartAsync(CancellationToken cancellationToken, Func<ControlPlaneOptions, ControlPlaneOptions>? configure = null)
    {
        var options = new ControlPlaneOptions { GrpcListen = new IPEndPoint(IPAddress.Loopback, 0), HttpListen = new IPEndPoint(IPAddress.Loopback, 0) };
        var store = new InMemoryResourceStore();
        var host = ControlPlaneHost.Create(configure?.Invoke(options) ?? options, store, services => services.AddLogging(b => b.ClearProviders()));
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            await host.DisposeAsync();
            store.Dispose();
            throw;
        }

        return new CliControlPlane(store, host);
    }

    /// <summary>The CLI's client presenting <paramref name="token"/>.</summary>
    public ControlPlaneClient ClientWith(string token) => ControlPlaneClient.Create($"http://{Host.HttpEndPoint}", () => token);

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        Store.Dispose();
    }
}
