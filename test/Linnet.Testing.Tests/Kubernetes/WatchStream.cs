using System.Text.Json.Nodes;

namespace Linnet.Testing.Tests.Kubernetes;

/// <summary>A raw watch: one JSON event per line of a streamed response.</summary>
internal sealed class WatchStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private WatchStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public static async Task<WatchStream> OpenAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        return new WatchStream(response, new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken)));
    }

    public async Task<JsonObject> NextAsync(CancellationToken cancellationToken) =>
        await NextOrEndAsync(cancellationToken) ?? throw new InvalidOperationException("the watch ended");

    public async Task<JsonObject?> NextOrEndAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var line = await _reader.ReadLineAsync(timeout.Token);
        return line is null ? null : (JsonObject)JsonNode.Parse(line)!;
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
