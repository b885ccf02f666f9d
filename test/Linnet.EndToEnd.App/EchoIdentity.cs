namespace Linnet.EndToEnd.App;

/// <summary>The instance name gRPC replies carry in <c>served_by</c>.</summary>
internal sealed record EchoIdentity(string Instance);
