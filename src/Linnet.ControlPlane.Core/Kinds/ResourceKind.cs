namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>Everything Linnet knows about one kind, in one place: its names, the apiVersions it accepts, who
/// writes it, how it is read and written, and its CRD schema. The manifest parser, the resource writer, the HTTP
/// API, the CLI and the CRD generator all read it from <see cref="ResourceKinds"/>.</summary>
public sealed record ResourceKind
{
    /// <summary>The kind, as manifests spell it (<c>HTTPRoute</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The lower-case plural (<c>httproutes</c>): the CRD's resource name, and what <c>linnet get</c> takes.</summary>
    public required string Plural { get; init; }

    /// <summary>Short names, as the kind's owner declares them in its CRD (<c>srv</c>); in the CRD too.</summary>
    public IReadOnlyList<string> ShortNames { get; init; } = [];

    /// <summary>More names the CLI takes (<c>route</c>, <c>wl</c>), never put in a CRD (they could clash in a cluster).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>The apiVersions accepted on apply; the first is the one written back (and the CRD's storage
    /// version in its group).</summary>
    public required IReadOnlyList<string> ApiVersions { get; init; }

    /// <summary>Who writes it.</summary>
    public KindAuthor Author { get; init; } = KindAuthor.User;

    /// <summary>Why a user may not apply it (for kinds the platform or the control plane write).</summary>
    public string? NotApplied { get; init; }

    /// <summary>Reads a document of this kind.</summary>
    public required KindReader Read { get; init; }

    /// <summary>Writes a resource of this kind.</summary>
    public required KindWriter Write { get; init; }

    /// <summary>Whether it has a status the control plane writes (a CRD status subresource).</summary>
    public bool HasStatus { get; init; }

    /// <summary>The spec's schema, for the kind's CRD; null when the kind has no CRD (see <see cref="NoCrd"/>).</summary>
    public KindSchema? Spec { get; init; }

    /// <summary>Why the kind has no CRD: a built-in Kubernetes kind, or one of universal mode only.</summary>
    public string? NoCrd { get; init; }

    /// <summary>The API group of <paramref name="apiVersion"/> (<c>""</c> for core <c>v1</c>).</summary>
    public static string GroupOf(string apiVersion)
    {
        ArgumentNullException.ThrowIfNull(apiVersion);
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? "" : apiVersion[..slash];
    }

    /// <summary>The version part of <paramref name="apiVersion"/>.</summary>
    public static string VersionOf(string apiVersion)
    {
        ArgumentNullException.ThrowIfNull(apiVersion);
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
    }

    /// <summary>The apiVersion written back.</summary>
    public string ApiVersion => ApiVersions[0];

    /// <summary>Every name that resolves to this kind: the kind, its singular, plural, short names and aliases.</summary>
    public IEnumerable<string> Names => new[] { Name, Name.ToLowerInvariant(), Plural }.Concat(ShortNames).Concat(Aliases);
}
