using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Rollouts;
using Linnet.ControlPlane.Security;
using Linnet.ControlPlane.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.ControlPlane.Tests.Rollouts;

/// <summary>A MetricTemplate's <c>provider.secretRef</c> (Flagger's prometheus provider: <c>username</c> and
/// <c>password</c> as basic auth, or <c>token</c> as a bearer) read from universal mode's secret files, against
/// Debian's Prometheus behind its own basic auth (<c>--web.config.file</c>, a bcrypt hash made by htpasswd).</summary>
public sealed class MetricTemplateSecretTests : IAsyncLifetime
{
    private const string Password = "s3cret-Pa55word";
    private DirectoryInfo _dir = null!;
    private TestProcess? _prometheus;
    private Uri _url = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("linnet-metric-secret-");
        if (!File.Exists("/usr/bin/prometheus") || !File.Exists("/usr/bin/htpasswd"))
        {
            return;
        }

        // htpasswd -nbB prints "user:$2y$...": Prometheus' web config wants that bcrypt hash.
        await using var htpasswd = await TestProcess.StartAsync("/usr/bin/htpasswd", ["-nbBC", "8", "flagger", Password], cancellationToken: Ct);
        await htpasswd.WaitForOutputAsync("flagger:", TimeSpan.FromSeconds(30), Ct);
        var hash = htpasswd.Lines.First(l => l.StartsWith("flagger:", StringComparison.Ordinal))["flagger:".Length..];
        var web = Path.Combine(_dir.FullName, "web.yml");
        await File.WriteAllTextAsync(web, $"basic_auth_users:\n  flagger: '{hash}'\n", Ct);
        var config = Path.Combine(_dir.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, "global:\n  scrape_interval: 1m\n", Ct);
        var port = PortAllocator.GetFreeTcpPort();
        _prometheus = await TestProcess.StartAsync("/usr/bin/prometheus",
        [
            $"--config.file={config}",
            $"--web.config.file={web}",
            $"--storage.tsdb.path={Path.Combine(_dir.FullName, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
        ], cancellationToken: Ct);
        await _prometheus.WaitForOutputAsync("Server is ready to receive web requests", TimeSpan.FromSeconds(60), Ct);
        _url = new Uri($"http://127.0.0.1:{port}/");
    }

    public async ValueTask DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await _prometheus.StopAsync(TimeSpan.FromSeconds(10));
            await _prometheus.DisposeAsync();
        }

        _dir.Delete(recursive: true);
    }

    private string Secrets => Path.Combine(_dir.FullName, "secrets");

    private void WriteSecret(string name, params (string Key, string Value)[] keys)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Secrets, "test", name));
        foreach (var (key, value) in keys)
        {
            var path = Path.Combine(folder.FullName, key);
            File.WriteAllText(path, value);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static StoreSnapshot Snapshot(Uri address, string? secret)
    {
        var yaml = $$"""
            apiVersion: flagger.app/v1beta1
            kind: MetricTemplate
            metadata: { name: answer, namespace: test }
            spec:
              provider: { type: prometheus, address: "{{address}}"{{(secret is null ? "" : $", secretRef: {{ name: {secret} }}")}} }
              query: vector(42)
            ---
            apiVersion: flagger.app/v1beta1
            kind: Canary
            metadata: { name: podinfo, namespace: test }
            spec:
              targetRef: { apiVersion: apps/v1, kind: Deployment, name: podinfo }
              service: { port: 9898 }
              analysis:
                interval: 10s
                stepWeight: 10
                metrics:
                  - { name: answer, templateRef: { name: answer }, thresholdRange: { min: 1 } }
            """;
        var parsed = ManifestParser.Parse(yaml, "t");
        Assert.Empty(parsed.Errors);
        var store = new InMemoryResourceStore();
        store.CommitAsync([.. parsed.Resources.Select(r => (StoreChange)new PutChange(r))], CancellationToken.None).GetAwaiter().GetResult();
        return store.Snapshot();
    }

    private async Task<(double? Value, IReadOnlyList<string> Log)> RunAsync(Uri address, string? secret)
    {
        var logger = new ListLogger<MetricTemplateQuery>();
        using var query = new MetricTemplateQuery(new SecretFiles(Secrets), logger);
        var snapshot = Snapshot(address, secret);
        var canary = snapshot.OfKind<CanaryResource>().Single();
        var value = await query.RunAsync(snapshot, canary, canary.Spec.Analysis.Metrics[0], "podinfo", Ct);
        return (value, logger.Messages);
    }

    [Fact]
    public async Task RunAsync_BasicAuthSecret_PrometheusBehindAuthAnswers()
    {
        Assert.SkipWhen(_prometheus is null, "Debian's prometheus and apache2-utils (htpasswd) are not installed (test.sh installs them)");
        WriteSecret("prom-auth", ("username", "flagger"), ("password", Password + "\n"));

        var (value, log) = await RunAsync(_url, "prom-auth");

        Assert.True(value == 42, string.Join('\n', log));
    }

    [Fact]
    public async Task RunAsync_WrongPasswordOrNoSecret_NoValuesWithTheReasonAndNoCredentialLogged()
    {
        Assert.SkipWhen(_prometheus is null, "Debian's prometheus and apache2-utils (htpasswd) are not installed (test.sh installs them)");
        WriteSecret("wrong", ("username", "flagger"), ("password", "not-" + Password));

        var (wrong, wrongLog) = await RunAsync(_url, "wrong");
        var (without, withoutLog) = await RunAsync(_url, null);

        // Prometheus refuses both (401): Flagger's "no values", a failed check.
        Assert.Null(wrong);
        Assert.Null(without);
        Assert.Contains(wrongLog, m => m.Contains("Status 401", StringComparison.Ordinal));
        Assert.Contains(withoutLog, m => m.Contains("Status 401", StringComparison.Ordinal));
        Assert.DoesNotContain(wrongLog, m => m.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_SecretMissingOrIncompleteOrReadableByOthers_NoValuesWithTheReason()
    {
        WriteSecret("half", ("username", "flagger"));
        WriteSecret("open", ("token", "abc"));
        File.SetUnixFileMode(Path.Combine(Secrets, "test", "open", "token"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var unused = new Uri("http://127.0.0.1:9/");

        var (missing, missingLog) = await RunAsync(unused, "absent");
        var (half, halfLog) = await RunAsync(unused, "half");
        var (open, openLog) = await RunAsync(unused, "open");

        Assert.Equal((null, null, null), (missing, half, open));
        Assert.Contains(missingLog, m => m.Contains("secret test/absent not found", StringComparison.Ordinal));
        Assert.Contains(halfLog, m => m.Contains("neither token nor both username and password", StringComparison.Ordinal));
        Assert.Contains(openLog, m => m.Contains("chmod 600", StringComparison.Ordinal));
        Assert.DoesNotContain(openLog, m => m.Contains("abc", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_TokenSecret_SentAsBearerInsteadOfBasic()
    {
        // Flagger sends a token as "Authorization: Bearer" (a token wins over username/password); a server on
        // loopback answers as Prometheus' query API does, only to that exact header.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        var seen = new List<string>();
        app.MapGet("/api/v1/query", (HttpContext context) =>
        {
            var header = context.Request.Headers.Authorization.ToString();
            lock (seen)
            {
                seen.Add(header);
            }

            return header == "Bearer t0ken-value"
                ? Results.Text("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"7"]}]}}""", "application/json")
                : Results.StatusCode(401);
        });
        await app.StartAsync(Ct);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        WriteSecret("token", ("token", "t0ken-value\n"), ("username", "ignored"), ("password", "ignored"));

        var (value, log) = await RunAsync(new Uri($"http://127.0.0.1:{address.Port}/"), "token");

        Assert.True(value == 7, string.Join('\n', log) + string.Join('\n', seen));
        Assert.Equal(["Bearer t0ken-value"], seen);
    }
}
