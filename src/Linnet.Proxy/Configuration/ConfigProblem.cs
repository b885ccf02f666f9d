namespace Linnet.Proxy.Configuration;

/// <summary>A value of a Destination API message that the proxy cannot use: where it is (the field's path inside
/// its service, as the config file writes it), why, and what the proxy does instead when it keeps going (the
/// control plane's stream: skip and report); the config file refuses the whole file instead.</summary>
internal sealed record ConfigProblem(string Path, string Reason, string Consequence)
{
    /// <inheritdoc />
    public override string ToString() => Path.Length == 0 ? $"{Reason}; {Consequence}" : $"{Path}: {Reason}; {Consequence}";
}
