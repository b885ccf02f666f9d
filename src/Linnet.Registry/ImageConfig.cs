namespace Linnet.Registry;

/// <summary>What an image's config says about running it (the OCI image config's <c>config</c> object).</summary>
/// <param name="Entrypoint">The entrypoint, possibly empty.</param>
/// <param name="Cmd">The default arguments (or command, without an entrypoint), possibly empty.</param>
/// <param name="Env">Environment variables as <c>NAME=value</c>.</param>
/// <param name="WorkingDir">The working directory inside the image, or empty.</param>
/// <param name="User">The user it asks for, or empty.</param>
public sealed record ImageConfig(IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Cmd, IReadOnlyList<string> Env, string WorkingDir, string User);
