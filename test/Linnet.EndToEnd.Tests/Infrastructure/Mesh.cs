using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.Testing;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>One universal-mode mesh of a test: its own data directory, API and gRPC ports, and range of
/// instance addresses (so meshes of tests running in parallel never meet), with the real
/// <c>linnet control-plane</c> as a process. <see cref="DownAsync"/> runs <c>linnet down</c> and fails unless
/// every process of the mesh is gone; disposing does the same for a test that did not get there, reporting
/// rather than failing, so that the test's own failure is the one reported.</summary>
internal sealed class Mesh : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan InstancesTimeout = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan LeftoverTimeout = TimeSpan.FromSeconds(20);
    private static int _meshes;

    private readonly ITestOutputHelper _output;
    private readonly HttpClient _api;
    private readonly HttpClient _admin = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) }) { Timeout = TimeSpan.FromSeconds(2) };
    private readonly List<TestProcess> _controlPlanes = [];
    private bool _down;

    private Mesh(ITestOutputHelper output)
    {
        _output = output;
        DataDirectory = Path.Combine(Path.GetTempPath(), "linnet-e2e-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(DataDirectory);
        var n = Interlocked.Increment(ref _meshes);
        FirstAddress = string.Create(CultureInfo.InvariantCulture, $"127.{200 + (Environment.ProcessId % 50)}.{(n % 250) + 1}.1");
        PickPorts();
        _api = new HttpClient(new AdminTokenHandler(DataDirectory)) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public string DataDirectory { get; }

    /// <summary>A client of the HTTP API carrying the admin credential from <see cref="DataDirectory"/>.</summary>
    public HttpClient ApiClient => _api;

    public string FirstAddress { get; }

    public Uri Api { get; private set; } = null!;

    public string GrpcListen { get; private set; } = null!;

    /// <summary>The control plane process started last.</summary>
    public TestProcess ControlPlane => _controlPlanes.Count > 0 ? _controlPlanes[^1] : throw new InvalidOperationException("no control plane started");

    /// <summary>A mesh whose control plane is not started (for <c>linnet up</c>).</summary>
    public static Mesh Create(ITestOutputHelper output) => new(output);

    /// <summary>Extra options every start of this mesh's control plane gets (e.g. <c>--identity-issuance-lifetime</c>).</summary>
    public IReadOnlyList<string> ControlPlaneArguments { get; private init; } = [];

    /// <summary>Loopback mode unless the test asks for isolation itself (its instances are then pods).</summary>
    private IReadOnlyList<string> IsolationArguments => ControlPlaneArguments.Contains("--isolation") ? [] : ["--isolation", "off"];

    /// <summary>What only universal mode takes (a control plane over a cluster has no instances of its own).</summary>
    private IReadOnlyList<string> UniversalArguments => ControlPlaneArguments.Contains("kubernetes") ? [] : ["--first-address", FirstAddress, .. IsolationArguments];

    /// <summary>A mesh with its control plane up and answering.</summary>
    public static Task<Mesh> StartAsync(ITestOutputHelper output, CancellationToken cancellationToken) =>
        StartAsync(output, [], cancellationToken);

    /// <summary>A mesh with its control plane up and answering, started with <paramref name="controlPlaneArguments"/> too.</summary>
    public static async Task<Mesh> StartAsync(ITestOutputHelper output, IReadOnlyList<string> controlPlaneArguments, CancellationToken cancellationToken)
    {
        var mesh = new Mesh(output) { ControlPlaneArguments = controlPlaneArguments };
        try
        {
            // The ports were free when picked; should another process take one meanwhile, pick again.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await mesh.StartControlPlaneAsync(cancellationToken);
                    return mesh;
                }
                catch (InvalidOperationException) when (attempt < 3 && mesh.ControlPlane.HasExited)
                {
                    output.WriteLine($"control plane exited at start (attempt {attempt}), picking other ports:\n{mesh.ControlPlane.Output}");
                    mesh.PickPorts();
                }
            }
        }
        catch
        {
            await mesh.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts <c>linnet control-plane</c> on this mesh's data directory and ports (again, after a
    /// kill) and waits until its API answers.</summary>
    public async Task StartControlPlaneAsync(CancellationToken cancellationToken)
    {
        var process = await TestProcess.StartAsync(
            "dotnet",
            [Binaries.Linnet, "control-plane", "--data-dir", DataDirectory, "--api", Api.ToString(), "--grpc-listen", GrpcListen, .. UniversalArguments, .. ControlPlaneArguments],
            CliEnvironment(),
            cancellationToken: cancellationToken);
        _controlPlanes.Add(process);
        await Eventually.UntilAsync(
            async () => process.HasExited ? throw new InvalidOperationException($"the control plane exited:\n{process.Output}") : await RevisionOrNullAsync(cancellationToken) is not null,
            StartTimeout,
            "the control plane's API answers",
            cancellationToken,
            () => process.Output);
    }

    /// <summary>SIGKILL to the control plane process alone (its instances are left running, orphaned).</summary>
    public async Task KillControlPlaneAsync(CancellationToken cancellationToken)
    {
        using (var process = Process.GetProcessById(ControlPlane.Id))
        {
            process.Kill(entireProcessTree: false);
        }

        await ControlPlane.WaitForExitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>Applies <paramref name="yaml"/> through the API; returns the revision it was committed at.</summary>
    public async Task<long> ApplyAsync(string yaml, CancellationToken cancellationToken)
    {
        var (status, body) = await SendApplyAsync(yaml, cancellationToken);
        Assert.True(status == HttpStatusCode.OK, $"apply answered {(int)status}: {body}");
        return body!["revision"]!.GetValue<long>();
    }

    /// <summary>POST /api/v1/apply as it is; throws <see cref="HttpRequestException"/> when the control plane does not answer.</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body)> SendApplyAsync(string yaml, CancellationToken cancellationToken)
    {
        using var content = new StringContent(yaml, Encoding.UTF8, "application/yaml");
        using var response = await _api.PostAsync(new Uri(Api, "api/v1/apply"), content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    /// <summary>The status of GET /api/v1/resources/<paramref name="kind"/>/default/<paramref name="name"/>.</summary>
    public async Task<HttpStatusCode> GetStatusAsync(string kind, string name, CancellationToken cancellationToken)
    {
        using var response = await _api.GetAsync(new Uri(Api, $"api/v1/resources/{kind}/default/{name}"), cancellationToken);
        return response.StatusCode;
    }

    /// <summary>The store revision (GET /api/v1/health).</summary>
    public async Task<long> RevisionAsync(CancellationToken cancellationToken) =>
        await RevisionOrNullAsync(cancellationToken) ?? throw new InvalidOperationException("the control plane does not answer");

    /// <summary>The store revision, or null when the control plane does not answer.</summary>
    public Task<long?> RevisionOrNullAsync(CancellationToken cancellationToken) => TryRevisionAsync(cancellationToken);

    /// <summary>GET /api/v1/resources/<paramref name="kind"/>/default/<paramref name="name"/> as JSON.</summary>
    public Task<JsonNode> ResourceAsync(string kind, string name, CancellationToken cancellationToken) =>
        GetJsonAsync($"api/v1/resources/{kind}/default/{name}", cancellationToken);

    /// <summary>The names of every resource of <paramref name="kind"/>.</summary>
    public async Task<HashSet<string>> NamesAsync(string kind, CancellationToken cancellationToken)
    {
        var list = await GetJsonAsync($"api/v1/resources?kind={kind}", cancellationToken);
        return [.. list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>())];
    }

    /// <summary>The Instances and the revision of the listing.</summary>
    public async Task<(long Revision, List<InstanceInfo> Instances)> InstancesAsync(CancellationToken cancellationToken)
    {
        var list = await GetJsonAsync("api/v1/resources?kind=Instance", cancellationToken);
        var instances = list["items"]!.AsArray().Select(i => new InstanceInfo(
            i!["metadata"]!["name"]!.GetValue<string>(),
            i["spec"]!["workload"]!.GetValue<string>(),
            i["spec"]!["address"]!.GetValue<string>(),
            i["spec"]!["ready"]?.GetValue<bool>() == true,
            long.Parse(i["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture))).ToList();
        return (list["revision"]!.GetValue<long>(), instances);
    }

    /// <summary>Waits until exactly <paramref name="count"/> Instances exist (those of <paramref name="where"/>
    /// when given), all ready, and every one of their proxies has applied the config of that moment.</summary>
    public async Task<List<InstanceInfo>> WaitForInstancesAsync(int count, CancellationToken cancellationToken, Func<InstanceInfo, bool>? where = null)
    {
        List<InstanceInfo> instances = [];
        long revision = 0;
        await Eventually.UntilAsync(
            async () =>
            {
                (revision, instances) = await InstancesAsync(cancellationToken);
                return instances.Count == count && instances.All(i => i.Ready && (where is null || where(i)));
            },
            InstancesTimeout,
            $"{count} ready instances",
            cancellationToken,
            () => $"instances: {string.Join(", ", instances)}\ncontrol plane:\n{ControlPlaneTail()}");
        await WaitForConfigAsync(instances.Select(i => i.Address), revision, InstancesTimeout, cancellationToken);
        return instances;
    }

    /// <summary>The config version an instance's proxy reports at <c>/config-version</c>; null when it does not answer.</summary>
    public async Task<long?> ConfigVersionAsync(string address, CancellationToken cancellationToken)
    {
        try
        {
            var text = await _admin.GetStringAsync(new Uri($"http://{address}:4191/config-version"), cancellationToken);
            return long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>Waits until each proxy at <paramref name="addresses"/> reports a config version of at least <paramref name="revision"/>.</summary>
    public async Task WaitForConfigAsync(IEnumerable<string> addresses, long revision, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pending = addresses.ToList();
        await Eventually.UntilAsync(
            async () =>
            {
                var versions = await Task.WhenAll(pending.Select(a => ConfigVersionAsync(a, cancellationToken)));
                pending = [.. pending.Where((_, i) => versions[i] is not { } v || v < revision)];
                return pending.Count == 0;
            },
            timeout,
            $"proxies on config {revision}",
            cancellationToken,
            () => $"behind: {string.Join(", ", pending)}");
    }

    /// <summary>Runs <c>linnet</c> with <paramref name="arguments"/> and this mesh's <c>--data-dir</c> and <c>--api</c>.</summary>
    public async Task<CliResult> RunCliAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        await using var process = await TestProcess.StartAsync(
            "dotnet",
            [Binaries.Linnet, .. arguments, "--data-dir", DataDirectory, "--api", Api.ToString()],
            CliEnvironment(),
            cancellationToken: cancellationToken);
        var code = await process.WaitForExitAsync(CliTimeout, cancellationToken);
        return new CliResult(code, process.Output);
    }

    /// <summary>Starts <c>linnet</c> with <paramref name="arguments"/> and this mesh's <c>--data-dir</c> and <c>--api</c>
    /// in the background (a command that runs until stopped: <c>tap</c>); the caller stops and disposes it.</summary>
    public Task<TestProcess> StartCliAsync(CancellationToken cancellationToken, params string[] arguments) =>
        TestProcess.StartAsync("dotnet", [Binaries.Linnet, .. arguments, "--data-dir", DataDirectory, "--api", Api.ToString()], CliEnvironment(), cancellationToken: cancellationToken);

    /// <summary>The shell words of a <c>linnet</c> command line with this mesh's <c>--data-dir</c> and <c>--api</c>,
    /// for a terminal (tmux) to run; LINNET_API and LINNET_HOME unset, as for <see cref="RunCliAsync"/>; the shell
    /// execs it, so the terminal's process is linnet itself.</summary>
    public string CliCommandLine(params string[] arguments) =>
        string.Join(' ', ((string[])["exec", "env", "-u", "LINNET_API", "-u", "LINNET_HOME", "dotnet", Binaries.Linnet, .. arguments, "--data-dir", DataDirectory, "--api", Api.ToString()])
            .Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));

    /// <summary>The last lines the current control plane printed.</summary>
    public string ControlPlaneTail() => _controlPlanes.Count == 0 ? "" : string.Join('\n', ControlPlane.Lines.TakeLast(40));

    /// <summary>Runs <c>linnet down</c> and asserts that it succeeds and that no process of the mesh is
    /// left (command line naming the data directory, or running inside it) within a bounded time.</summary>
    public async Task DownAsync(CancellationToken cancellationToken)
    {
        var (down, left) = await StopEverythingAsync(cancellationToken);
        Assert.True(down.ExitCode == 0, $"linnet down exited {down.ExitCode}:\n{down.Output}");
        Assert.True(left.Count == 0, $"left running after linnet down:\n{string.Join('\n', left.Select(p => $"{p.Pid} {p.CommandLine}"))}\n{down.Output}");
    }

    /// <summary>Whatever the test got to: stops everything (without asserting, so that a failure of the test
    /// itself is what gets reported), prints the control planes' logs, and removes the data directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_down)
        {
            try
            {
                var (down, left) = await StopEverythingAsync(CancellationToken.None);
                _output.WriteLine($"----- linnet down at dispose (exit {down.ExitCode}); {left.Count} processes were left -----\n{down.Output}");
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or IOException)
            {
                _output.WriteLine($"----- could not stop the mesh: {ex}");
            }
        }

        for (var i = 0; i < _controlPlanes.Count; i++)
        {
            _output.WriteLine($"----- control plane run {i + 1} (pid {_controlPlanes[i].Id}) -----\n{string.Join('\n', _controlPlanes[i].Lines.TakeLast(60))}");
            await _controlPlanes[i].DisposeAsync();
        }

        _api.Dispose();
        _admin.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A log still being written by a process that just went; the temp folder is cleaned eventually.
        }
    }

    private async Task<(CliResult Down, List<(int Pid, string CommandLine)> Left)> StopEverythingAsync(CancellationToken cancellationToken)
    {
        _down = true;
        var down = await RunCliAsync(cancellationToken, "down");
        foreach (var process in _controlPlanes.Where(p => !p.HasExited))
        {
            await process.StopAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }

        List<(int Pid, string CommandLine)> left = [];
        try
        {
            await Eventually.UntilAsync(() => (left = ProcessScan.Using(DataDirectory)).Count == 0, LeftoverTimeout, "every process of the mesh gone", cancellationToken);
        }
        catch (TimeoutException)
        {
            // Reported by the caller; nothing is left behind either way.
            foreach (var (pid, _) in left)
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill();
                }
                catch (ArgumentException)
                {
                    // Gone meanwhile.
                }
            }
        }

        return (down, left);
    }

    private static Dictionary<string, string?> CliEnvironment() => new()
    {
        // Only the options given count.
        ["LINNET_API"] = null,
        ["LINNET_HOME"] = null,
    };

    private static int FreePort()
    {
        // Outside the ephemeral range, so that no outgoing connection takes it between two runs of the control plane.
        while (true)
        {
            var port = Random.Shared.Next(12000, 19999);
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }
    }

    private void PickPorts()
    {
        Api = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePort()}"));
        GrpcListen = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{FreePort()}");
    }

    private async Task<long?> TryRevisionAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await GetJsonAsync("api/v1/health", cancellationToken))["revision"]!.GetValue<long>();
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    private async Task<JsonNode> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _api.GetAsync(new Uri(Api, path), cancellationToken);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
    }
}
