using System.Net.Http.Headers;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>Sends the admin credential the control plane created in the mesh's data directory, read at each
/// request (the file appears when the control plane first starts), as the CLI on the same host does.</summary>
internal sealed class AdminTokenHandler(string dataDirectory) : DelegatingHandler(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) })
{
    public const string FileName = "admin-token";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(path).Trim());
        }

        return base.SendAsync(request, cancellationToken);
    }
}
