using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Processes;

/// <summary>
/// The shipped executable, <c>dotnet linnet-proxy.dll --config &lt;file&gt;</c>, as a real process: its exit
/// codes, and what SIGTERM does to listeners and to in-flight work. Observed from outside only.
/// </summary>
public sealed class ProxyExecutableTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ObserveTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Main_ValidConfig_ServesInboundAndReportsReady()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await HttpTestApp.StartAsync("app", cancellationToken: ct);
        await using var proxy = await StartAsync(Config(appPort: app.Port, drainTimeout: "5s"), ct);
        var inbound = await proxy.ListenerEndPointAsync("Inbound", ct);
        using var client = NewClient();

        using var response = await client.GetAsync(new Uri($"http://{inbound}/hello"), ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello from app", await response.Content.ReadAsStringAsync(ct));
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "inbound")) >= 1, ObserveTimeout, ct);
        Assert.Equal(1, scrape.Sum("request_total", ("direction", "inbound"), ("tls", "no_identity")));
        Assert.Equal(1, app.RequestCount);
    }

    [Fact]
    public async Task Validate_AppPortOutOfRange_ExitsTwoNamingField()
    {
        var ct = TestContext.Current.CancellationToken;

        var (exitCode, output) = await ProxyProcess.RunToExitAsync("inbound: {appPort: 70000}\n", ["--validate"], ExitTimeout, ct);

        Assert.Equal(2, exitCode);
        Assert.Contains("inbound.appPort", output, StringComparison.Ordinal);
        Assert.Contains("70000", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_UnknownDefaultInboundPolicy_RefusesToStartNamingTheSetting()
    {
        var ct = TestContext.Current.CancellationToken;

        var (exitCode, output) = await ProxyProcess.RunToExitAsync("inbound: {defaultPolicy: allow-everyone}\n", [], ExitTimeout, ct);

        Assert.Equal(2, exitCode);
        Assert.Contains("inbound.defaultPolicy: 'allow-everyone' is not one of: all-unauthenticated, all-authenticated, deny, audit", output, StringComparison.Ordinal);
        Assert.DoesNotContain("listener on", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_GoodConfig_ExitsZeroWithoutServing()
    {
        var ct = TestContext.Current.CancellationToken;

        var (exitCode, output) = await ProxyProcess.RunToExitAsync(Config(appPort: 8080, drainTimeout: "1s").Yaml, ["--validate"], ExitTimeout, ct);

        Assert.Equal(0, exitCode);
        Assert.Contains("is valid", output, StringComparison.Ordinal);
        Assert.DoesNotContain("listener on", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_RequestInFlight_CompletesRefusesNewConnectionsAndExitsZero()
    {
        var ct = TestContext.Current.CancellationToken;
        var drainTimeout = TimeSpan.FromSeconds(10);
        await using var app = await HttpTestApp.StartAsync("app", cancellationToken: ct);
        await using var proxy = await StartAsync(Config(appPort: app.Port, drainTimeout: "10s"), ct);
        var inbound = await proxy.ListenerEndPointAsync("Inbound", ct);
        using var client = NewClient();

        var inFlight = client.GetAsync(new Uri($"http://{inbound}/slow/1500"), ct);
        await ProxyProcess.WaitUntilAsync(() => app.RequestCount == 1 || inFlight.IsCompleted, ObserveTimeout, "the app received /slow/1500", ct);
        Assert.False(inFlight.IsCompleted, "the request finished before SIGTERM could be sent");
        var signalled = Stopwatch.GetTimestamp();
        var stopping = proxy.Process.StopAsync(drainTimeout, ct);

        // The listener closes at once: a new connection is refused while the old request is still being served.
        await ProxyProcess.WaitUntilAsync(() => IsRefusedAsync(inbound, ct), ObserveTimeout, $"connections to {inbound} refused", ct);
        TestContext.Current.TestOutputHelper?.WriteLine($"SIGTERM to refusal: {Stopwatch.GetElapsedTime(signalled)}");
        Assert.False(inFlight.IsCompleted, "the in-flight request ended before the listener closed");

        using var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("slept 1500", await response.Content.ReadAsStringAsync(ct));
        var exitCode = await stopping;
        var elapsed = Stopwatch.GetElapsedTime(signalled);
        TestContext.Current.TestOutputHelper?.WriteLine($"SIGTERM to exit: {elapsed}");
        Assert.True(exitCode == 0, $"exit code {exitCode}; output:\n{proxy.Process.Output}");
        Assert.True(elapsed < drainTimeout, $"took {elapsed} to exit, drain timeout is {drainTimeout}");
        Assert.Equal(1, app.RequestCount);
    }

    [Fact]
    public async Task Sigterm_OpaqueConnectionLeftOpen_ClosedAfterDrainTimeoutAndExits()
    {
        var ct = TestContext.Current.CancellationToken;
        var drainTimeout = TimeSpan.FromSeconds(1);
        // Generous: the bound only tells "exits by itself" from "killed by the harness", on a loaded 2-core machine.
        var margin = TimeSpan.FromSeconds(10);
        await using var echo = await TcpEchoServer.StartAsync(ct);
        await using var proxy = await StartAsync(Config(appPort: echo.Port, drainTimeout: "1s", inboundOpaquePort: echo.Port), ct);
        var inbound = await proxy.ListenerEndPointAsync("Inbound", ct);
        using var client = new TcpClient();
        await client.ConnectAsync(inbound, ct);
        var stream = client.GetStream();
        await AssertEchoesAsync(stream, "before"u8.ToArray(), ct);
        Assert.Equal(1, echo.ActiveConnections);

        var signalled = Stopwatch.GetTimestamp();
        var stopping = proxy.Process.StopAsync(drainTimeout + margin, ct);
        await ProxyProcess.WaitUntilAsync(() => IsRefusedAsync(inbound, ct), ObserveTimeout, $"connections to {inbound} refused", ct);
        // Draining: the open connection still works after the listener has closed.
        await AssertEchoesAsync(stream, "during"u8.ToArray(), ct);

        // Left open, it is closed by the proxy once the drain timeout has run out.
        var buffer = new byte[16];
        int read;
        try
        {
            read = await stream.ReadAsync(buffer, ct).AsTask().WaitAsync(drainTimeout + margin, ct);
        }
        catch (IOException)
        {
            read = 0; // reset rather than FIN: closed all the same
        }

        Assert.Equal(0, read);
        var exitCode = await stopping;
        var elapsed = Stopwatch.GetElapsedTime(signalled);
        TestContext.Current.TestOutputHelper?.WriteLine($"SIGTERM to exit: {elapsed}");
        Assert.True(exitCode == 0, $"exit code {exitCode}; output:\n{proxy.Process.Output}");
        Assert.True(elapsed >= drainTimeout - TimeSpan.FromMilliseconds(50), $"exited after {elapsed}: before the {drainTimeout} drain timeout");
        Assert.True(elapsed < drainTimeout + margin, $"exited after {elapsed}: drain timeout is {drainTimeout}");
        Assert.Contains("Drain timeout elapsed with 1 opaque connections open", proxy.Process.Output, StringComparison.Ordinal);
        await ProxyProcess.WaitUntilAsync(() => echo.ActiveConnections == 0, ObserveTimeout, "the app's side of the connection closed", ct);
    }

    private static (string Yaml, IPEndPoint Admin) Config(int appPort, string drainTimeout, int? inboundOpaquePort = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var admin = new IPEndPoint(IPAddress.Loopback, PortAllocator.GetFreeTcpPort());
        var opaque = inboundOpaquePort is { } port ? string.Create(inv, $", opaquePorts: [{port}]") : "";
        var yaml = string.Create(inv, $$"""
            workload: {namespace: test, name: web, pod: web-0}
            inbound: {listen: "127.0.0.1:0", appPort: {{appPort}}{{opaque}}}
            outbound: {listen: "127.0.0.1:0"}
            admin: {listen: "{{admin}}"}
            transparent: false
            drainTimeout: {{drainTimeout}}
            """);
        return (yaml, admin);
    }

    private static async Task<ProxyProcess> StartAsync((string Yaml, IPEndPoint Admin) config, CancellationToken ct)
    {
        var proxy = await ProxyProcess.StartAsync(config.Yaml, config.Admin, cancellationToken: ct);
        try
        {
            await proxy.WaitUntilReadyAsync(ct);
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    private static HttpClient NewClient() =>
        new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    private static async Task<bool> IsRefusedAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await probe.ConnectAsync(endPoint, ct);
            return false;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // The probe's handshake landed in the backlog just as the listener closed: the kernel resets it. Not
            // served, but not yet the closed listener's refusal either; the next probe tells.
            return false;
        }
    }

    private static async Task AssertEchoesAsync(NetworkStream stream, byte[] payload, CancellationToken ct)
    {
        await stream.WriteAsync(payload, ct);
        var echoed = new byte[payload.Length];
        await stream.ReadExactlyAsync(echoed, ct).AsTask().WaitAsync(ObserveTimeout, ct);
        Assert.Equal(payload, echoed);
    }
}
