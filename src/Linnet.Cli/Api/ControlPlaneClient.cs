using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Linnet.Cli.Api;

/// <summary>The control plane's HTTP API (<c>/api/v1</c>), as the CLI uses it.</summary>
internal sealed class ControlPlaneClient(HttpClient http)
{
    /// <summary>Where the API is unless <c>--api</c> or <c>LINNET_API</c> says otherwise (Linkerd's 8084).</summary>
    public const string DefaultAddress = "http://127.0.0.1:8084";

    public Uri BaseAddress => http.BaseAddress!;

    /// <summary>A client whose every request carries the credential <paramref name="token"/> gives at that moment.</summary>
    public static ControlPlaneClient Create(string address, Func<string?> token) =>
        new(new HttpClient(new BearerHandler(token) { InnerHandler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) } })
        {
            BaseAddress = new Uri(address.TrimEnd('/') + "/"),
            Timeout = TimeSpan.FromSeconds(30),
        });

    /// <summary>The token in an admin-token file, or null when there is none (yet) or it cannot be read.</summary>
    public static string? ReadTokenFile(string path)
    {
        try
        {
            var token = File.ReadAllText(path).Trim();
            return token.Length > 0 ? token : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The store revision, or null when the control plane does not answer.</summary>
    public async Task<long?> HealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            var json = await http.GetFromJsonAsync<JsonObject>("api/v1/health", cancellationToken);
            return json?["revision"]?.GetValue<long>();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    public async Task<ApiResponse> ApplyAsync(string manifests, string source, CancellationToken cancellationToken)
    {
        using var content = new StringContent(manifests, Encoding.UTF8, "application/yaml");
        using var response = await http.PostAsync($"api/v1/apply?source={Uri.EscapeDataString(source)}", content, cancellationToken);
        return await ApiResponse.ReadAsync(response, cancellationToken);
    }

    public async Task<ApiResponse> ListAsync(string? kind, string? ns, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        if (kind is not null)
        {
            query.Add($"kind={Uri.EscapeDataString(kind)}");
        }

        if (ns is not null)
        {
            query.Add($"namespace={Uri.EscapeDataString(ns)}");
        }

        using var response = await http.GetAsync("api/v1/resources" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), cancellationToken);
        return await ApiResponse.ReadAsync(response, cancellationToken);
    }

    public async Task<ApiResponse> GetAsync(string kind, string ns, string name, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(ResourcePath(kind, ns, name), cancellationToken);
        return await ApiResponse.ReadAsync(response, cancellationToken);
    }

    public async Task<ApiResponse> DeleteAsync(string kind, string ns, string name, CancellationToken cancellationToken)
    {
        using var response = await http.DeleteAsync(ResourcePath(kind, ns, name), cancellationToken);
        return await ApiResponse.ReadAsync(response, cancellationToken);
    }

    /// <summary>GET an API path with query parameters (null values left out); null when the control plane does
    /// not answer.</summary>
    public async Task<ApiResponse?> QueryAsync(string path, IEnumerable<KeyValuePair<string, string?>> query, CancellationToken cancellationToken)
    {
        var parts = query.Where(q => q.Value is not null).Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value!)}").ToList();
        try
        {
            using var response = await http.GetAsync($"api/v1/{path}" + (parts.Count > 0 ? "?" + string.Join('&', parts) : ""), cancellationToken);
            return await ApiResponse.ReadAsync(response, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>GET a streaming API path (newline-delimited JSON) and hands each line to <paramref name="onLine"/>
    /// until it returns false, the stream ends or <paramref name="cancellationToken"/> fires. Returns the error
    /// response when the API refused, a 200 with no body once streaming ended, null when the control plane does not answer.</summary>
    public async Task<ApiResponse?> StreamAsync(string path, IEnumerable<KeyValuePair<string, string?>> query, Func<JsonNode, bool> onLine, CancellationToken cancellationToken)
    {
        var parts = query.Where(q => q.Value is not null).Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value!)}").ToList();
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync($"api/v1/{path}" + (parts.Count > 0 ? "?" + string.Join('&', parts) : ""), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                return await ApiResponse.ReadAsync(response, cancellationToken);
            }

            try
            {
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    if (line.Length > 0 && JsonNode.Parse(line) is { } node && !onLine(node))
                    {
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                // Stopped by the user (Ctrl+C).
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                return new ApiResponse(HttpStatusCode.BadGateway, new JsonObject { ["error"] = $"the stream from the control plane ended: {ex.Message}" });
            }

            return new ApiResponse(HttpStatusCode.OK, null);
        }
    }

    public async Task<ApiResponse> ProxiesAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("api/v1/proxies", cancellationToken);
        return await ApiResponse.ReadAsync(response, cancellationToken);
    }

    /// <summary>Asks the control plane to sign a workload token (<c>POST /api/v1/tokens</c>).</summary>
    public async Task<ApiResponse> CreateTokenAsync(string ns, string serviceAccount, string? ttl, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["namespace"] = ns, ["serviceAccount"] = serviceAccount };
        if (ttl is not null)
        {
            body["ttl"] = ttl;
        }

        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("api/v1/tokens", content, cancellationToken);
        return await ApiResponse.ReadAsync(response, cancellationToken);
    }

    /// <summary>Revokes a workload token by id (<c>POST /api/v1/tokens/{id}/revoke</c>).</summary>
    public async Task<ApiResponse> RevokeTokenAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync($"api/v1/tokens/{Uri.EscapeDataString(id)}/revoke", null, cancellationToken);
        return await ApiResponse.ReadAsync(response, cancellationToken);
    }

    /// <summary>Every approval, pending and decided (<c>GET /v1/approvals</c>, Keel's path and shape).</summary>
    public async Task<ApiResponse> ListApprovalsAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("v1/approvals", cancellationToken);
        return await ApiResponse.ReadAsync(response, cancellationToken);
    }

    /// <summary>Votes on, or deletes, the approval named by Keel's identifier (<c>workload/ns/name:tag</c>) or by
    /// its id; the vote is cast as the caller's identity.</summary>
    public async Task<ApiResponse> ActOnApprovalAsync(string identifierOrId, string action, CancellationToken cancellationToken)
    {
        var body = new JsonObject { [identifierOrId.Contains('/', StringComparison.Ordinal) ? "identifier" : "id"] = identifierOrId, ["action"] = action };
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("v1/approvals", content, cancellationToken);
        return await ApiResponse.ReadAsync(response, cancellationToken);
    }

    private static string ResourcePath(string kind, string ns, string name) =>
        $"api/v1/resources/{Uri.EscapeDataString(kind)}/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(name)}";
}

/// <summary>Adds <c>Authorization: Bearer</c> to each request when a credential is known.</summary>
internal sealed class BearerHandler(Func<string?> token) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (token() is { } value)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", value);
        }

        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>A response of the API: status and JSON body.</summary>
internal sealed record ApiResponse(HttpStatusCode Status, JsonNode? Body)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    public string Error => Body?["error"]?.GetValue<string>() ?? $"HTTP {(int)Status}";

    public static async Task<ApiResponse> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? body = null;
        if (text.Length > 0)
        {
            try
            {
                body = JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
                body = new JsonObject { ["error"] = text };
            }
        }

        return new ApiResponse(response.StatusCode, body);
    }
}
