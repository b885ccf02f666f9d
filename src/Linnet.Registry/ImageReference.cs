using System.Net;
using System.Text.RegularExpressions;

namespace Linnet.Registry;

/// <summary>An image reference as Docker writes it: <c>[registry[:port]/]repository[:tag][@sha256:digest]</c>.
/// No registry means Docker Hub (<c>docker.io</c>, one-part names under <c>library/</c>); no tag and no digest
/// means <c>latest</c>.</summary>
/// <param name="Registry">Host and optional port, e.g. <c>127.0.0.1:5000</c>.</param>
/// <param name="Repository">The repository path, e.g. <c>team/app</c>.</param>
/// <param name="Tag">The tag, or null when only a digest is given.</param>
/// <param name="Digest">The pinned digest, or null.</param>
public sealed partial record ImageReference(string Registry, string Repository, string? Tag, ContentDigest? Digest)
{
    /// <summary>Docker Hub's name in references.</summary>
    public const string DockerHub = "docker.io";

    /// <summary>Whether the registry is on this host's loopback, where plain HTTP is used (as Docker does for
    /// 127.0.0.0/8); every other registry is reached over HTTPS.</summary>
    public bool IsLoopback
    {
        get
        {
            var host = RegistryHost;
            return host == "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
        }
    }

    /// <summary>The registry's host without the port (brackets of an IPv6 literal removed).</summary>
    public string RegistryHost
    {
        get
        {
            if (Registry.StartsWith('['))
            {
                return Registry[1..Registry.IndexOf(']', StringComparison.Ordinal)];
            }

            var colon = Registry.LastIndexOf(':');
            return colon < 0 ? Registry : Registry[..colon];
        }
    }

    /// <summary>The base URL of the registry's API (<c>http(s)://host:port</c>).</summary>
    public Uri BaseUri => new((IsLoopback ? "http://" : "https://") + (Registry == DockerHub ? "registry-1.docker.io" : Registry));

    /// <summary>What a manifest request names: the digest when pinned, else the tag.</summary>
    public string ManifestReference => Digest?.ToString() ?? Tag ?? "latest";

    /// <summary>Parses <paramref name="text"/>; false with a reason when it is not a reference.</summary>
    public static bool TryParse(string text, out ImageReference reference, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(text);
        reference = null!;
        reason = null;
        var rest = text;
        ContentDigest? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            if (!ContentDigest.TryParse(rest[(at + 1)..], out var d))
            {
                reason = $"'{rest[(at + 1)..]}' is not a sha256 digest (sha256:<64 lowercase hex>)";
                return false;
            }

            digest = d;
            rest = rest[..at];
        }

        string? tag = null;
        var lastSlash = rest.LastIndexOf('/');
        var colon = rest.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagRegex().IsMatch(tag))
            {
                reason = $"'{tag}' is not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})";
                return false;
            }
        }

        var registry = DockerHub;
        var firstSlash = rest.IndexOf('/', StringComparison.Ordinal);
        if (firstSlash > 0)
        {
            var first = rest[..firstSlash];
            if (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost")
            {
                registry = first;
                rest = rest[(firstSlash + 1)..];
            }
        }

        if (registry == DockerHub && !rest.Contains('/', StringComparison.Ordinal))
        {
            rest = "library/" + rest;
        }

        if (!RepositoryRegex().IsMatch(rest))
        {
            reason = $"'{rest}' is not a valid repository name (lowercase path components of [a-z0-9] separated by '.', '_', '__' or '-')";
            return false;
        }

        if (tag is null && digest is null)
        {
            tag = "latest";
        }

        reference = new ImageReference(registry, rest, tag, digest);
        return true;
    }

    /// <summary>Parses, or throws <see cref="FormatException"/> with the reason.</summary>
    public static ImageReference Parse(string text) =>
        TryParse(text, out var r, out var reason) ? r : throw new FormatException($"'{text}' is not an image reference: {reason}");

    /// <summary>The same repository at another tag (the digest dropped).</summary>
    public ImageReference WithTag(string tag) => this with { Tag = tag, Digest = null };

    /// <summary>The same repository pinned to a digest (the tag kept for display).</summary>
    public ImageReference WithDigest(ContentDigest digest) => this with { Digest = digest };

    /// <inheritdoc />
    public override string ToString() =>
        $"{Registry}/{Repository}{(Tag is null ? "" : ":" + Tag)}{(Digest is null ? "" : "@" + Digest)}";

    // The distribution spec's grammar for names and tags.
    [GeneratedRegex(@"\A[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryRegex();

    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagRegex();
}
