using System.Diagnostics;
using Linnet.Testing;

namespace Linnet.Registry.Tests.Infrastructure;

/// <summary>A real Docker distribution registry (Debian's <c>docker-registry</c>) on loopback, with its storage in a
/// temporary directory: anonymous, htpasswd (Basic) or token (Bearer) authentication.</summary>
public sealed class RegistryServer : IAsyncDisposable
{
    private readonly TestProcess _process;

    private RegistryServer(TestProcess process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Port = port;
    }

    /// <summary>The registry's temporary directory (storage, config).</summary>
    public string Directory { get; }

    /// <summary>The port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>, as an image reference names it.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>The registry's base URL.</summary>
    public Uri BaseUri => new($"http://{Host}");

    /// <summary>Skips the test when the registry is not installed (test.sh installs it as root).</summary>
    public static string Binary()
    {
        const string Path = "/usr/bin/docker-registry";
        if (!File.Exists(Path))
        {
            Assert.Skip("docker-registry is not installed (apt-get install docker-registry; test.sh does this as root)");
        }

        return Path;
    }

    /// <summary>Starts a registry without authentication.</summary>
    public static Task<RegistryServer> StartAsync() => StartAsync(_ => "");

    /// <summary>Starts a registry requiring Basic authentication for <paramref name="user"/>.</summary>
    public static Task<RegistryServer> StartWithHtpasswdAsync(string user, string password) => StartAsync(dir =>
    {
        var path = System.IO.Path.Combine(dir, "htpasswd");
        var psi = new ProcessStartInfo("htpasswd") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-Bbc", path, user, password })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("htpasswd did not start");
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return $"auth:\n  htpasswd:\n    realm: linnet-test\n    path: {path}\n";
    });

    /// <summary>Starts a registry that trusts tokens from <paramref name="tokens"/>.</summary>
    public static Task<RegistryServer> StartWithTokenAsync(TokenServer tokens) => StartAsync(dir =>
        $"auth:\n  token:\n    realm: {tokens.Realm}\n    service: {TokenServer.Service}\n    issuer: {TokenServer.Issuer}\n    rootcertbundle: {tokens.WriteCertificate(dir)}\n");

    /// <summary>Starts a registry without authentication that sends its notifications (Docker distribution's
    /// events envelope) to <paramref name="endpoint"/> with <paramref name="authorization"/> as the Authorization header.</summary>
    public static Task<RegistryServer> StartWithNotificationsAsync(Uri endpoint, string authorization) => StartAsync(_ =>
        $"notifications:\n  endpoints:\n    - name: linnet\n      url: {endpoint}\n      headers:\n        Authorization: [\"{authorization}\"]\n      timeout: 5s\n      threshold: 5\n      backoff: 1s\n");

    private static async Task<RegistryServer> StartAsync(Func<string, string> auth)
    {
        var binary = Binary();
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "linnet-registry-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        var port = PortAllocator.GetFreeTcpPort();
        var config = System.IO.Path.Combine(dir, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: info
            storage:
              filesystem:
                rootdirectory: {System.IO.Path.Combine(dir, "storage")}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{port}
            {auth(dir)}
            """);
        var process = await TestProcess.StartAsync(binary, ["serve", config]);
        var server = new RegistryServer(process, dir, port);
        try
        {
            await process.WaitForOutputAsync("listening on", TimeSpan.FromSeconds(30));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temporary directory.
        }
    }
}
