using System.Diagnostics;
using System.Net;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Infrastructure;

/// <summary>
/// The real proxy executable, <c>dotnet linnet-proxy.dll --config &lt;file&gt;</c>, as a child process, optionally
/// started through a launcher (e.g. <c>ip netns exec &lt;ns&gt; setpriv --reuid=…</c>). Observed only from
/// outside: its output, its admin endpoint and its exit. The config file lives in a world-readable temporary
/// directory so that a proxy running under another uid can read it.
/// </summary>
internal sealed class ProxyProcess : IAsyncDisposable
{
    /// <summary>Bound on process start-up (runtime start, JIT, binding) on a loaded machine.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private const string ConfigFileName = "proxy.yaml";
    private const UnixFileMode WorldReadableDirectory =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly string _directory;
    private readonly HttpClient _admin;

    private ProxyProcess(TestProcess process, string directory, Uri adminUri, HttpClient admin)
    {
        Process = process;
        _directory = directory;
        AdminUri = adminUri;
        _admin = admin;
    }

    /// <summary><c>linnet-proxy.dll</c>, copied next to the test assembly by the project reference.</summary>
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "linnet-proxy.dll");

    /// <summary>The dotnet host running these tests (set by the dotnet CLI), else <c>dotnet</c> from PATH.</summary>
    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>The running process.</summary>
    public TestProcess Process { get; }

    /// <summary><c>http://{admin listen}</c>.</summary>
    public Uri AdminUri { get; }

    /// <summary>
    /// Writes <paramref name="yaml"/> and starts the proxy on it. <paramref name="connect"/> opens admin
    /// connections (for an admin listener inside a network namespace); by default the host's own stack is used.
    /// </summary>
    public static Task<ProxyProcess> StartAsync(
        string yaml,
        IPEndPoint admin,
        IReadOnlyList<string>? launcher = null,
        string? dllPath = null,
        Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>>? connect = null,
        CancellationToken cancellationToken = default) =>
        StartCoreAsync(yaml, admin, launcher, dllPath, connect, [], cancellationToken);

    /// <summary>Runs the proxy on <paramref name="yaml"/> with <paramref name="extraArguments"/> until it exits by
    /// itself (e.g. <c>--validate</c>); returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(
        string yaml,
        IReadOnlyList<string> extraArguments,
        TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        await using var proxy = await StartCoreAsync(yaml, new IPEndPoint(IPAddress.Loopback, 0), null, null, null, extraArguments, cancellationToken);
        var exitCode = await proxy.WaitForExitAsync(timeout, cancellationToken);
        return (exitCode, proxy.Process.Output);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; throws <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var started = Stopwatch.GetTimestamp();
        while (!await condition())
        {
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"not reached within {timeout}: {what}");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds (see the async overload).</summary>
    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout, what, cancellationToken);

    /// <summary>Polls the admin <c>/ready</c> until it answers 200; fails at once if the process exits.</summary>
    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WaitUntilAsync(
                async () =>
                {
                    if (Process.HasExited)
                    {
                        throw new InvalidOperationException($"proxy exited with {Process.ExitCode} before it was ready:\n{Process.Output}");
                    }

                    try
                    {
                        using var response = await _admin.GetAsync(new Uri(AdminUri, "/ready"), cancellationToken);
                        return response.StatusCode == HttpStatusCode.OK;
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                },
                StartTimeout,
                $"{AdminUri}ready answering 200",
                cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; proxy output:\n{Process.Output}", ex);
        }
    }

    /// <summary>Where the <paramref name="role"/> listener (<c>Inbound</c>, <c>Outbound</c>) is bound, as the proxy
    /// logs it (resolves a configured port 0).</summary>
    public async Task<IPEndPoint> ListenerEndPointAsync(string role, CancellationToken cancellationToken)
    {
        var marker = $"{role} listener on ";
        await Process.WaitForOutputAsync(marker, StartTimeout, cancellationToken);
        var line = Process.Lines.First(l => l.Contains(marker, StringComparison.Ordinal));
        return IPEndPoint.Parse(line[(line.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Trim());
    }

    /// <summary>One scrape of the admin <c>/metrics</c>.</summary>
    public async Task<MetricsScrape> ScrapeAsync(CancellationToken cancellationToken) =>
        new(await _admin.GetStringAsync(new Uri(AdminUri, "/metrics"), cancellationToken));

    /// <summary>Scrapes until <paramref name="condition"/> holds (counters are written a moment after the client
    /// has seen the response), bounded by <paramref name="timeout"/>.</summary>
    public async Task<MetricsScrape> ScrapeWhenAsync(Func<MetricsScrape, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        MetricsScrape? last = null;
        try
        {
            await WaitUntilAsync(
                async () =>
                {
                    last = await ScrapeAsync(cancellationToken);
                    return condition(last);
                },
                timeout,
                "metrics condition",
                cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"metrics never reached the expected state:\n{last?.Text}", ex);
        }

        return last!;
    }

    /// <summary>Waits for the process to exit by itself; returns its exit code. Throws (with the output) after
    /// <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await WaitUntilAsync(() => Process.HasExited, timeout, $"proxy {Process} exited", cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; output:\n{Process.Output}", ex);
        }

        return Process.ExitCode!.Value;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        _admin.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static async Task<ProxyProcess> StartCoreAsync(
        string yaml,
        IPEndPoint admin,
        IReadOnlyList<string>? launcher,
        string? dllPath,
        Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>>? connect,
        IReadOnlyList<string> extraArguments,
        CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("linnet-proxy-").FullName;
        var configPath = Path.Combine(directory, ConfigFileName);
        await File.WriteAllTextAsync(configPath, yaml, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, WorldReadableDirectory);
            File.SetUnixFileMode(configPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        List<string> command = [.. launcher ?? [], DotnetHost, dllPath ?? DllPath, "--config", configPath, .. extraArguments];
        var handler = new SocketsHttpHandler { UseProxy = false, ConnectCallback = connect };
        var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        TestProcess process;
        try
        {
            process = await TestProcess.StartAsync(
                command[0],
                command.Skip(1),
                null,
                directory,
                cancellationToken);
        }
        catch
        {
            client.Dispose();
            Directory.Delete(directory, recursive: true);
            throw;
        }

        return new ProxyProcess(process, directory, new Uri($"http://{admin}"), client);
    }
}
