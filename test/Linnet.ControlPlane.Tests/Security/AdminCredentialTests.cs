using System.Net;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Tests.Security;

/// <summary>The admin credential on disk: created owner-only on first start, the same on the next start, refused
/// when others could read it; listeners that would expose the plaintext API beyond the host refused.</summary>
public sealed class AdminCredentialTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("linnet-admin-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DataDir => Path.Combine(_dir.FullName, "data");

    private string File_ => Path.Combine(DataDir, AdminCredential.FileName);

    [Fact]
    public async Task Start_FirstTime_CreatesOwnerOnlyTokenThatAuthenticates()
    {
        await using var host = await StartAsync();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(File_));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(DataDir));
        var token = File.ReadAllText(File_).Trim();
        Assert.True(token.Length >= 64);
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        using var response = await http.GetAsync(new Uri($"http://{host.HttpEndPoint}/api/v1/health"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Start_Again_KeepsTheToken()
    {
        string first;
        await using (var host = await StartAsync())
        {
            first = host.AdminCredential.Token;
        }

        await using var again = await StartAsync();

        Assert.Equal(first, again.AdminCredential.Token);
        Assert.Equal(first, File.ReadAllText(File_).Trim());
    }

    [Fact]
    public void Create_TokenFileReadableByOthers_RefusedNamingTheFix()
    {
        Directory.CreateDirectory(DataDir);
        File.WriteAllText(File_, new string('a', 64));
        File.SetUnixFileMode(File_, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var ex = Assert.Throws<ControlPlaneConfigurationException>(() => ControlPlaneHost.Create(Options(), new InMemoryResourceStore(), Quiet));

        Assert.Contains($"chmod 600 {File_}", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("192.0.2.1")]
    public void Create_HttpApiOnNonLoopback_RefusedSayingWhy(string address)
    {
        var options = Options() with { HttpListen = new IPEndPoint(IPAddress.Parse(address), 0) };

        var ex = Assert.Throws<ControlPlaneConfigurationException>(() => ControlPlaneHost.Create(options, new InMemoryResourceStore(), Quiet));

        Assert.Contains("not a loopback address", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(File_));
    }

    public void Dispose() => _dir.Delete(recursive: true);

    private static void Quiet(IServiceCollection services) => services.AddLogging(b => b.ClearProviders());

    private ControlPlaneOptions Options() => new()
    {
        GrpcListen = new IPEndPoint(IPAddress.Loopback, 0),
        HttpListen = new IPEndPoint(IPAddress.Loopback, 0),
        AdminCredentialFile = File_,
    };

    private async Task<ControlPlaneHost> StartAsync()
    {
        var host = ControlPlaneHost.Create(Options(), new InMemoryResourceStore(), Quiet);
        await host.StartAsync(Ct);
        return host;
    }
}
