// The demo's load generator: GET http://web/ through HTTP_PROXY (the instance's outbound proxy) at
// LOAD_RPS requests per second (default 10), each bounded by a 5 s timeout, until SIGTERM or Ctrl+C.
// Prints "ok=<n> failed=<n>" for every 5 s window.
using System.Globalization;
using System.Runtime.InteropServices;

var rps = int.TryParse(Environment.GetEnvironmentVariable("LOAD_RPS"), NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r > 0 ? r : 10;
var target = new Uri(Environment.GetEnvironmentVariable("LOAD_TARGET") ?? "http://web/");

using var stop = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

// The default handler honours HTTP_PROXY / NO_PROXY, so "web" is resolved by the proxy.
using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
var ok = 0L;
var failed = 0L;
var inFlight = new List<Task>();

async Task SendAsync()
{
    try
    {
        using var response = await http.GetAsync(target, stop.Token);
        Interlocked.Increment(ref response.IsSuccessStatusCode ? ref ok : ref failed);
    }
    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
    {
        if (!stop.IsCancellationRequested)
        {
            Interlocked.Increment(ref failed);
        }
    }
}

Console.WriteLine($"load: GET {target} at {rps} rps");
var time = TimeProvider.System;
using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / rps), time);
var windowStart = time.GetTimestamp();
try
{
    while (await ticker.WaitForNextTickAsync(stop.Token))
    {
        inFlight.RemoveAll(t => t.IsCompleted);
        inFlight.Add(SendAsync());
        if (time.GetElapsedTime(windowStart) >= TimeSpan.FromSeconds(5))
        {
            windowStart = time.GetTimestamp();
            Console.WriteLine($"ok={Interlocked.Exchange(ref ok, 0)} failed={Interlocked.Exchange(ref failed, 0)} in-flight={inFlight.Count}");
        }
    }
}
catch (OperationCanceledException)
{
    // SIGTERM or Ctrl+C.
}

await Task.WhenAll(inFlight);
Console.WriteLine($"load: stopped (ok={ok} failed={failed} in the last window)");
