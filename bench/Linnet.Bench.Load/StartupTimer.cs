using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Linnet.Bench.Load;

/// <summary>How start-up is judged complete: an HTTP GET answering 200, or a TCP port accepting.</summary>
internal sealed record StartupOptions(Uri? ReadyUrl, IPEndPoint? TcpEndPoint, string FileName, IReadOnlyList<string> Arguments, TimeSpan Timeout);

/// <summary>
/// Starts a process, polls every 1 ms until it is ready, reports the time from just before
/// <c>Process.Start</c> to the first success, then kills the process tree. Bounded by a timeout.
/// </summary>
internal static class StartupTimer
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(1);

    public static async Task<double?> MeasureAsync(StartupOptions options)
    {
        using var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromMilliseconds(500) };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(1) };
        var psi = new ProcessStartInfo(options.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in options.Arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {options.FileName}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                Console.Error.WriteLine($"[{Path.GetFileName(options.FileName)}] {line}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            while (Stopwatch.GetElapsedTime(started) < options.Timeout && !process.HasExited)
            {
                if (await IsReadyAsync(options, client))
                {
                    return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }

                await Task.Delay(PollInterval);
            }

            return null;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
    }

    private static async Task<bool> IsReadyAsync(StartupOptions options, HttpClient client)
    {
        try
        {
            if (options.ReadyUrl is { } url)
            {
                using var response = await client.GetAsync(url);
                return response.StatusCode == HttpStatusCode.OK;
            }

            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(options.TcpEndPoint!);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or TaskCanceledException or IOException)
        {
            return false;
        }
    }
}
