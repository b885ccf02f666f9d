using System.Text.Json.Nodes;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>An open <c>GET /api/v1/tap</c> stream, returned once the proxy the test needs has put the tap in effect.</summary>
internal sealed class TapStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private TapStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public static async Task<TapStream> OpenAsync(HttpClient api, Uri uri, string proxy, CancellationToken ct)
    {
        var response = await api.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            // Read the body only when it is an error: a tap's body never ends.
            Assert.Fail($"{uri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }

        var stream = new TapStream(response, new StreamReader(await response.Content.ReadAsStreamAsync(ct)));
        var started = await stream.NextLineAsync(ct);
        Assert.Equal("started", started["type"]!.ToString());

        // Until the proxy has put the tap in effect (it attaches once it holds its certificate), its "attached"
        // line is what to wait for.
        var line = started;
        while (!started["proxies"]!.AsArray().Any(p => p!.ToString() == proxy) && line["proxy"]?.ToString() != proxy)
        {
            line = await stream.NextLineAsync(ct);
        }

        return stream;
    }

    /// <summary>The next event line (bounded wait), skipping "attached" lines.</summary>
    public async Task<JsonNode> NextEventAsync(CancellationToken ct)
    {
        while (true)
        {
            var line = await NextLineAsync(ct);
            if (line["type"]?.ToString() == "event")
            {
                return line;
            }
        }
    }

    private async Task<JsonNode> NextLineAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var line = await _reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the tap stream ended");
        return JsonNode.Parse(line)!;
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
