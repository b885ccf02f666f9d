using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.EndToEnd.Tests.Infrastructure;
using Linnet.Registry.Tests.Infrastructure;
using Linnet.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Linnet.EndToEnd.Tests;

/// <summary>Image updates end to end with real instances: a real Docker distribution registry (Debian's
/// <c>docker-registry</c>) on loopback, OCI images the test builds around a small HTTP program and pushes, the real
/// <c>linnet control-plane</c>, its universal instances running each pulled image's program beside real proxies,
/// and real traffic through them. The closed release loop: a pushed tag reaches the control plane through the
/// registry's own notification, the Canary analyses the new image's instances over that traffic and promotes or
/// rolls back, one notification carries the verdict and its reasons, and a rolled-back version is not tried again
/// until <c>linnet image-updates clear</c>. Approvals: an update waiting for a vote is approved in the dashboard
/// (Debian's Chromium) and the instances then run the approved image.</summary>
[SupportedOSPlatform("linux")]
public sealed class ImageReleaseLoopTests(ITestOutputHelper output)
{
    private static readonly TimeSpan LoadInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxLoad = TimeSpan.FromSeconds(400);

    // Flagger's shape, fast: a step every 2 s, 25 % per step up to 50 %, three failed checks roll back.
    private static readonly string Canary = CanaryMesh.Canary("""
            interval: 2s
            threshold: 3
            maxWeight: 50
            stepWeight: 25
            metrics:
              - name: request-success-rate
                thresholdRange: { min: 99 }
                interval: 4s

        """);

    [Fact]
    public async Task ReleaseLoop_GoodTagThenBadTag_PromotedThenRolledBackEachNotifiedOnceAndNotRetriedUntilCleared()
    {
        var ct = TestContext.Current.CancellationToken;
        using var secrets = new SecretFiles();
        await using var sink = await HookReceiver.StartAsync(ct);
        await using var mesh = await Mesh.StartAsync(output, ["--metrics-scrape-interval", "500ms", "--webhook-credentials-file", secrets.Webhook, "--notifications-file", secrets.Notifications(sink.Url("keel"))], ct);
        await using var registry = await RegistryServer.StartWithNotificationsAsync(new Uri(mesh.Api, "v1/webhooks/registry"), secrets.Basic);
        using var pusher = new RegistryPusher(registry.BaseUri);
        var repository = registry.Host + "/shop/backend";
        await pusher.PushAsync("shop/backend", "1.0.0", App("1.0.0", failPercent: 0));

        await mesh.ApplyAsync(Manifests.Join(CanaryMesh.Client, Backend(repository + ":1.0.0", approvals: 0), Canary), ct);
        await WaitForPhaseAsync(mesh, "Initialized", ct);
        var instances = await mesh.WaitForInstancesAsync(2, ct);
        Assert.Equal(["backend-primary", "client"], instances.Select(i => i.Workload).Order(StringComparer.Ordinal));
        var client = instances.Single(i => i.Workload == "client").Address;
        await using var load = LoadGenerator.Start([client], LoadInterval, MaxLoad);
        await Eventually.UntilAsync(() => load.Records.Any(r => r.Version == "v1.0.0"), TimeSpan.FromSeconds(30), "v1.0.0 (the image's program) answers through the proxies", ct);

        // A good version pushed: the registry tells the control plane, the target moves to exactly that digest,
        // the canary's instances run it, the analysis over the live traffic promotes it, and one notification says so.
        var good = App("1.1.0", failPercent: 0);
        await pusher.PushAsync("shop/backend", "1.1.0", good);
        var succeeded = await WaitForPhaseAsync(mesh, "Succeeded", ct);
        output.WriteLine(string.Join('\n', Messages(succeeded)));
        Assert.Equal($"{repository}:1.1.0@{good.Digest}", await ImageAsync(mesh, "backend", ct));
        Assert.Equal($"{repository}:1.1.0@{good.Digest}", await ImageAsync(mesh, "backend-primary", ct));
        var promoted = await sink.WaitForAsync("keel", "release promoted", 1, TimeSpan.FromSeconds(30), ct);
        Assert.Equal("success", promoted["level"]!.GetValue<string>());
        Assert.Contains($"{repository}:1.1.0@{good.Digest} promoted by Canary default/backend", promoted["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Matches("request-success-rate: [0-9.]+ within \\[99, -\\]", promoted["message"]!.GetValue<string>());
        Assert.Contains(sink.Named("keel", "update resource"), n => n["message"]!.GetValue<string>().Contains($"->{repository}:1.1.0@{good.Digest}", StringComparison.Ordinal));
        await Eventually.UntilAsync(() => load.Records.Any(r => r.Version == "v1.1.0" && r.Backend?.StartsWith("backend-primary", StringComparison.Ordinal) == true), TimeSpan.FromSeconds(30), "v1.1.0 served by backend-primary", ct);

        // A bad version (its program answers 500): rolled back with the failed check as the reason, on the
        // resources and in one notification; every request is answered by the good version again.
        var bad = App("1.2.0", failPercent: 100);
        await pusher.PushAsync("shop/backend", "1.2.0", bad);
        var failed = await WaitForPhaseAsync(mesh, "Failed", ct);
        output.WriteLine(string.Join('\n', Messages(failed)));
        Assert.Equal($"{repository}:1.2.0@{bad.Digest}", await ImageAsync(mesh, "backend", ct));
        Assert.Equal($"{repository}:1.1.0@{good.Digest}", await ImageAsync(mesh, "backend-primary", ct));
        Assert.Contains(load.Records, r => r.Status == 500);
        var rolledBack = await sink.WaitForAsync("keel", "release rolled back", 1, TimeSpan.FromSeconds(30), ct);
        Assert.Equal("error", rolledBack["level"]!.GetValue<string>());
        Assert.Contains($"{repository}:1.2.0@{bad.Digest} rolled back by Canary default/backend", rolledBack["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("request-success-rate", rolledBack["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var verdicts = (await GetJsonAsync(mesh, "api/v1/image-updates", ct))["verdicts"]!.AsArray();
        Assert.Equal(["promoted", "rolledBack"], verdicts.Select(v => v!["verdict"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var badVerdict = verdicts.Single(v => v!["verdict"]!.GetValue<string>() == "rolledBack")!;
        Assert.Equal($"{repository}:1.2.0@{bad.Digest}", badVerdict["image"]!.GetValue<string>());
        Assert.Contains(badVerdict["reasons"]!.AsArray(), r => r!.GetValue<string>().Contains("request-success-rate", StringComparison.Ordinal));
        await mesh.WaitForConfigAsync([client], long.Parse(failed["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture), TimeSpan.FromSeconds(10), ct);
        var after = TimeProvider.System.GetTimestamp();
        await Eventually.UntilAsync(() => load.Records.Count(r => r.StartedAt > after) >= 100, TimeSpan.FromSeconds(30), "load after the rollback", ct);
        var late = load.Records.Where(r => r.StartedAt > after).ToList();
        LoadAssert.NoneFailed(late);
        Assert.All(late, r => Assert.Equal("v1.1.0", r.Version));

        // Set back to the good version (as a GitOps re-apply would): the canary analyses it again, and the
        // verdict on it is already recorded, so nobody is told twice.
        await mesh.ApplyAsync(Backend($"{repository}:1.1.0@{good.Digest}", approvals: 0), ct);
        await WaitForPhaseAsync(mesh, "Succeeded", ct);
        Assert.Single(sink.Named("keel", "release promoted"));

        // The rolled-back version pushed again: not tried again.
        var again = await NativePushAsync(mesh, secrets, repository, "1.2.0", bad.Digest, ct);
        Assert.Empty(again["updated"]!.AsArray());
        Assert.Equal($"{repository}:1.1.0@{good.Digest}", await ImageAsync(mesh, "backend", ct));

        // Cleared with the CLI: the same push is tried again, rolled back again, and told again.
        var cleared = await mesh.RunCliAsync(ct, "image-updates", "clear", "backend", "-o", "json");
        Assert.True(cleared.ExitCode == 0, cleared.Output);
        Assert.Equal($"{repository}:1.2.0@{bad.Digest}", Assert.Single(JsonNode.Parse(cleared.Output)!["cleared"]!.AsArray())!.GetValue<string>());
        var retried = await NativePushAsync(mesh, secrets, repository, "1.2.0", bad.Digest, ct);
        Assert.Equal("default/backend", Assert.Single(retried["updated"]!.AsArray())!["workload"]!.GetValue<string>());
        await WaitForPhaseAsync(mesh, "Failed", ct);
        await sink.WaitForAsync("keel", "release rolled back", 2, TimeSpan.FromSeconds(30), ct);
        Assert.Single(sink.Named("keel", "release promoted"));

        await load.StopAsync();
        await mesh.DownAsync(ct);
    }

    [Fact]
    public async Task Dashboard_ApproveAnImageUpdate_InstancesThenRunTheApprovedImage()
    {
        Assert.SkipUnless(File.Exists(DashboardBrowser.Chromium), "Debian's chromium is not installed (test.sh installs it)");
        var ct = TestContext.Current.CancellationToken;
        using var secrets = new SecretFiles();
        await using var mesh = await Mesh.StartAsync(output, ["--webhook-credentials-file", secrets.Webhook], ct);
        await using var registry = await RegistryServer.StartAsync();
        using var pusher = new RegistryPusher(registry.BaseUri);
        var repository = registry.Host + "/shop/backend";
        var v1 = App("1.0.0", failPercent: 0);
        var v2 = App("1.1.0", failPercent: 0);
        await pusher.PushAsync("shop/backend", "1.0.0", v1);
        await pusher.PushAsync("shop/backend", "1.1.0", v2);
        await mesh.ApplyAsync(Backend(repository + ":1.0.0", approvals: 1), ct);
        var instance = Assert.Single(await mesh.WaitForInstancesAsync(1, ct));
        string? answer = null;
        await Eventually.UntilAsync(
            async () => (answer = await TryAnswerAsync(instance.Address, ct)) == $"backend {instance.Name} v1.0.0",
            TimeSpan.FromSeconds(30), "the instance runs the image's program", ct, () => $"it answers '{answer}'");

        // The push waits for one vote.
        var pushed = await NativePushAsync(mesh, secrets, repository, "1.1.0", v2.Digest, ct);
        Assert.Empty(pushed["updated"]!.AsArray());
        Assert.Equal("workload/default/backend:1.1.0", Assert.Single(pushed["approvals"]!.AsArray())!["identifier"]!.GetValue<string>());

        var cli = await mesh.RunCliAsync(ct, "dashboard");
        Assert.Equal(0, cli.ExitCode);
        var url = cli.Output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("http://", StringComparison.Ordinal));
        await using var browser = await DashboardBrowser.LaunchAsync(output);
        var page = browser.Page;
        await page.GotoAsync(url);
        await page.ClickAsync("nav a[data-view=approvals]");
        var row = page.Locator("table[data-testid=approvals-pending] tr[data-approval='workload/default/backend:1.1.0']");
        await Expect(row.Locator("[data-col=update]")).ToHaveTextAsync($"{repository}:1.0.0 → {repository}:1.1.0@{v2.Digest}");
        await Expect(row.Locator("[data-col=votes]")).ToHaveTextAsync("0/1");
        await browser.ScreenshotAsync("approvals-pending");

        await row.Locator("button[data-action=approve]").ClickAsync();

        await Expect(page.Locator("[data-testid=approval-result]")).ToHaveTextAsync("Approved workload/default/backend:1.1.0: applied (1/1)");
        var decided = page.Locator("table[data-testid=approvals-decided] tr[data-approval='workload/default/backend:1.1.0']");
        await Expect(decided.Locator("[data-col=state]")).ToHaveTextAsync("applied");
        await Expect(decided.Locator("[data-col=voters]")).ToHaveTextAsync("admin");
        await Expect(page.Locator("[data-testid=no-approvals]")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("approvals-applied");

        // The approved digest is what runs (its instance replaced on the same address).
        Assert.Equal($"{repository}:1.1.0@{v2.Digest}", await ImageAsync(mesh, "backend", ct));
        await Eventually.UntilAsync(
            async () => (answer = await TryAnswerAsync(instance.Address, ct)) is { } text && text.StartsWith("backend ", StringComparison.Ordinal) && text.EndsWith(" v1.1.0", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "the instance runs the approved image's program", ct, () => $"it answers '{answer}'\n{mesh.ControlPlaneTail()}");
        var listed = (await GetJsonAsync(mesh, "api/v1/resources?kind=Instance", ct))["items"]!.AsArray();
        Assert.Equal(v2.Digest, Assert.Single(listed)!["spec"]!["imageDigest"]!.GetValue<string>());
        await mesh.DownAsync(ct);
    }

    // The image's program: answers every request "backend <instance> v<version>" as the other backends do, or a
    // 500 for failPercent of them; VERSION and FAIL_PERCENT are files of the image, so each pushed tag is its own program.
    private static TestImage App(string version, int failPercent) => TestImage.Build(
        [new Dictionary<string, (string, UnixFileMode)>
        {
            ["app/run.sh"] = ("#!/bin/sh\nexec /usr/bin/python3 serve.py\n", (UnixFileMode)0b111_101_101),
            ["app/serve.py"] = ("""
                import http.server, os, random
                version = open('VERSION').read().strip()
                fail = float(open('FAIL_PERCENT').read().strip())
                instance = os.environ.get('LINNET_INSTANCE', '?')
                class Handler(http.server.BaseHTTPRequestHandler):
                    protocol_version = 'HTTP/1.1'
                    def do_GET(self):
                        failed = random.random() * 100 < fail
                        body = b'failed\n' if failed else ('backend %s v%s\n' % (instance, version)).encode()
                        self.send_response(500 if failed else 200)
                        self.send_header('Content-Type', 'text/plain')
                        self.send_header('Content-Length', str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    def log_message(self, *args):
                        pass
                http.server.ThreadingHTTPServer((os.environ['HOST'], int(os.environ['PORT'])), Handler).serve_forever()

                """, (UnixFileMode)0b110_100_100),
            ["app/VERSION"] = (version + "\n", (UnixFileMode)0b110_100_100),
            ["app/FAIL_PERCENT"] = (failPercent.ToString(CultureInfo.InvariantCulture) + "\n", (UnixFileMode)0b110_100_100),
        }],
        ["/app/run.sh"], [], [], "/app");

    private static string Backend(string image, int approvals) => $$"""
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata:
          name: backend
          labels: { app: backend }
          annotations: { keel.sh/policy: minor{{(approvals > 0 ? $", keel.sh/approvals: \"{approvals}\"" : "")}} }
        spec:
          replicas: 1
          serviceAccount: backend
          image: "{{image}}"
          ports: [8080]

        """;

    private static async Task<JsonNode> WaitForPhaseAsync(Mesh mesh, string phase, CancellationToken ct)
    {
        JsonNode canary = new JsonObject();
        await Eventually.UntilAsync(
            async () => (canary = await mesh.ResourceAsync("Canary", "backend", ct))["status"]?["phase"]?.GetValue<string>() == phase,
            CanaryMesh.RolloutTimeout,
            $"the canary {phase}",
            ct,
            () => $"{canary["status"]?.ToJsonString()}\n{mesh.ControlPlaneTail()}");
        return canary;
    }

    private static List<string> Messages(JsonNode canary) =>
        [.. (canary["status"]?["events"]?.AsArray() ?? []).Select(e => e!["message"]!.GetValue<string>())];

    private static async Task<string?> ImageAsync(Mesh mesh, string workload, CancellationToken ct) =>
        (await mesh.ResourceAsync("Workload", workload, ct))["spec"]!["image"]?.GetValue<string>();

    private static async Task<JsonNode> GetJsonAsync(Mesh mesh, string path, CancellationToken ct)
    {
        using var response = await mesh.ApiClient.GetAsync(new Uri(mesh.Api, path), ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    // Keel's native webhook, as a CI job would call it, with the webhook credentials.
    private static async Task<JsonNode> NativePushAsync(Mesh mesh, SecretFiles secrets, string repository, string tag, string digest, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(mesh.Api, "v1/webhooks/native"))
        {
            Content = new StringContent($$"""{"name":"{{repository}}","tag":"{{tag}}","digest":"{{digest}}"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(secrets.Basic);
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"native webhook: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private static async Task<string?> TryAnswerAsync(string address, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            return (await http.GetStringAsync(new Uri($"http://{address}:8080/"), ct)).Trim();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The control plane's owner-only secret files: the webhook credentials and the notification targets.</summary>
    private sealed class SecretFiles : IDisposable
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("linnet-e2e-keel-");
        private readonly string _password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

        public SecretFiles() => Webhook = Write("webhook-credentials", $"registry:{_password}\n");

        public string Webhook { get; }

        /// <summary>The Authorization header value of the webhook credentials.</summary>
        public string Basic => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"registry:{_password}"));

        public string Notifications(Uri sink) =>
            Write("notifications.json", $$"""{"level":"success","targets":[{"name":"keel","type":"webhook","url":"{{sink}}"}]}""");

        public void Dispose() => _directory.Delete(recursive: true);

        private string Write(string name, string text)
        {
            var path = Path.Combine(_directory.FullName, name);
            File.WriteAllText(path, text);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return path;
        }
    }
}
