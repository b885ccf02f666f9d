using System.Net;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Core.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Tests.Identity;

/// <summary>The real control plane (its CA and <c>Certify</c> over h2c) on loopback ephemeral ports, with a
/// chosen certificate lifetime, plus a scratch directory for token files.</summary>
internal sealed class TestCa : IAsyncDisposable
{
    private readonly InMemoryResourceStore _store;

    private TestCa(ControlPlaneHost host, InMemoryResourceStore store, string directory)
    {
        Host = host;
        _store = store;
        Directory = directory;
        Identity = host.Services.GetRequiredService<MeshIdentity>();
    }

    public ControlPlaneHost Host { get; }

    public MeshIdentity Identity { get; }

    public string Directory { get; }

    public string Address => Host.GrpcEndPoint.ToString();

    public static async Task<TestCa> StartAsync(TimeSpan certificateLifetime, CancellationToken ct)
    {
        var store = new InMemoryResourceStore();
        var options = new ControlPlaneOptions
        {
            GrpcListen = new IPEndPoint(IPAddress.Loopback, 0),
            HttpListen = new IPEndPoint(IPAddress.Loopback, 0),
            Identity = new IdentityOptions { CertificateLifetime = certificateLifetime },
        };
        var host = ControlPlaneHost.Create(options, store, services => services.AddLogging(b => b.ClearProviders()));
        await host.StartAsync(ct);
        var directory = System.IO.Directory.CreateTempSubdirectory("linnet-identity-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            // A proxy running as another user in some tests must be able to read the token.
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        return new TestCa(host, store, directory);
    }

    /// <summary>Writes a fresh token for <paramref name="ns"/>/<paramref name="sa"/> to <paramref name="file"/>
    /// (under <see cref="Directory"/>); returns its id.</summary>
    public string WriteToken(string file, string ns = "shop", string sa = "web")
    {
        var issued = Identity.Tokens.Create(ns, sa, TimeSpan.FromHours(1));
        File.WriteAllText(Path.Combine(Directory, file), issued.Token);
        return issued.Claims.Id;
    }

    public string PathOf(string file) => Path.Combine(Directory, file);

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        await Host.DisposeAsync();
        _store.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
