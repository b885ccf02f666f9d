namespace Linnet.Cli.Commands.Tap;

/// <summary>What <c>linnet tap</c> asks the API for.</summary>
internal sealed record TapRequest(string Resource, string? Name, string Namespace, string? To, string? ToNamespace, string? Method, string? Authority, string? Path, double MaxRps, bool Reveal);
