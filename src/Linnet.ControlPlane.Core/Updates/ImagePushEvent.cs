namespace Linnet.ControlPlane.Core.Updates;

/// <summary>A registry says a tag was pushed (from a webhook): the repository as the registry names it
/// (<c>host[:port]/path</c>, or a Docker Hub name), the tag, and the manifest digest when the payload carries one.</summary>
/// <param name="Repository">The image repository.</param>
/// <param name="Tag">The pushed tag.</param>
/// <param name="Digest">The pushed manifest's digest, or null.</param>
public sealed record ImagePushEvent(string Repository, string Tag, string? Digest);
