namespace Linnet.Testing.Kubernetes;

/// <summary>A request the fake API server answered: method, path, query string and status code.</summary>
public sealed record FakeRequest(string Method, string Path, string Query, int StatusCode);
