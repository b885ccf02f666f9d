namespace Linnet.Testing.Kubernetes;

/// <summary>A request the fake API server answered: method, path, query string, status code and the client's User-Agent.</summary>
public sealed record FakeRequest(string Method, string Path, string Query, int StatusCode, string UserAgent = "");
