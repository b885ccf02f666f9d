using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The one registry of resource kinds. The manifest parser, the resource writer, the HTTP API, the CLI
/// (<c>linnet get</c> and its names) and the CRDs of <c>linnet install</c> all read it: adding a kind is adding its
/// entry here (its definition file beside this one).</summary>
public static class ResourceKinds
{
    /// <summary>Every kind, in the order lists and messages name them.</summary>
    public static IReadOnlyList<ResourceKind> All { get; } =
    [
        ServiceKind.Definition,
        WorkloadKind.Definition,
        HttpRouteKind.Definition,
        GrpcRouteKind.Definition,
        InstanceKind.Definition,
        EndpointSliceKind.Definition,
        DeploymentKind.Definition,
        ServerKind.Definition,
        AuthorizationPolicyKind.Definition,
        MeshTlsAuthenticationKind.Definition,
        NetworkAuthenticationKind.Definition,
        CanaryKind.Definition,
        ReferenceGrantKind.Definition,
        MetricTemplateKind.Definition,
        AlertProviderKind.Definition,
        ImagePolicyKind.Definition,
        ApprovalKind.Definition,
        ReleaseVerdictKind.Definition,
    ];

    /// <summary>Kinds users bring that Linnet refuses on apply, with the reason (never accepted and ignored).</summary>
    public static IReadOnlyDictionary<string, string> Refused { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
    };

    private static readonly Dictionary<string, ResourceKind> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    private static readonly Dictionary<string, ResourceKind> ByAnyName = Index();

    /// <summary>The kinds users apply, as error messages list them.</summary>
    public static string Applied { get; } = string.Join(", ", All.Where(k => k.Author == KindAuthor.User).Select(k => k.Name));

    /// <summary>Every kind, as error messages list them.</summary>
    public static string Known { get; } = string.Join(", ", All.Select(k => k.Name));

    /// <summary>Every kind with the shortest name people can type, for help texts (<c>service (svc)</c>).</summary>
    public static string KnownWithShortNames { get; } = string.Join(", ", All.Select(k =>
        k.ShortNames.Concat(k.Aliases).FirstOrDefault() is { } shortName ? $"{k.Name.ToLowerInvariant()} ({shortName})" : k.Name.ToLowerInvariant()));

    /// <summary>The kind named exactly <paramref name="name"/> (as manifests spell it), or null.</summary>
    public static ResourceKind? Find(string? name) => name is not null && ByName.TryGetValue(name, out var kind) ? kind : null;

    /// <summary>The kind of <paramref name="resource"/>.</summary>
    public static ResourceKind Of(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return Find(resource.Kind) ?? throw new ArgumentException($"{resource.Kind} is not in the registry of kinds", nameof(resource));
    }

    /// <summary>The group a key of <paramref name="kind"/> read as <paramref name="apiVersion"/> carries: null in the
    /// kind's own group (that of its first apiVersion) and for a kind not in the registry; otherwise the group, which
    /// keeps the object apart from a same-named one of the kind's own group (<see cref="ResourceKey.Group"/>).</summary>
    public static string? KeyGroup(string kind, string apiVersion)
    {
        ArgumentNullException.ThrowIfNull(apiVersion);
        if (Find(kind) is not { } known)
        {
            return null;
        }

        var group = ResourceKind.GroupOf(apiVersion);
        return group == ResourceKind.GroupOf(known.ApiVersion) ? null : group;
    }

    /// <summary>The kind and group a person typed: what <see cref="Resolve"/> takes, optionally followed by
    /// <c>.group</c>, one of the kind's API groups (<c>httproutes.policy.linkerd.io</c>, <c>HTTPRoute.policy.linkerd.io</c>,
    /// as kubectl takes them). The group is null for the kind's own group (as in <see cref="ResourceKey.Group"/>); the
    /// result is null when the name or the group is not the kind's.</summary>
    public static (ResourceKind Kind, string? Group)? ResolveQualified(string? typed)
    {
        if (Resolve(typed) is { } plain)
        {
            return (plain, null);
        }

        var dot = typed?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (dot <= 0 || Resolve(typed![..dot]) is not { } kind)
        {
            return null;
        }

        var group = typed[(dot + 1)..];
        var groups = kind.ApiVersions.Select(ResourceKind.GroupOf).ToList();
        return groups.Contains(group, StringComparer.Ordinal) ? (kind, group == groups[0] ? null : group) : null;
    }

    /// <summary>What <see cref="ResolveQualified"/> finds, as the HTTP API takes it in a path: the kind's name, followed by
    /// <c>.group</c> for a group other than its own (<see cref="ResourceKey.QualifiedKind"/>); or null.</summary>
    public static string? ResolveQualifiedName(string? typed) =>
        ResolveQualified(typed) is { } found ? (found.Group is null ? found.Kind.Name : $"{found.Kind.Name}.{found.Group}") : null;

    /// <summary>The kind a person typed: its name, plural, a short name or an alias, in any case; or null.</summary>
    public static ResourceKind? Resolve(string? typed) => typed is not null && ByAnyName.TryGetValue(typed, out var kind) ? kind : null;

    private static Dictionary<string, ResourceKind> Index()
    {
        var index = new Dictionary<string, ResourceKind>(StringComparer.OrdinalIgnoreCase);
        foreach (var kind in All)
        {
            foreach (var name in kind.Names)
            {
                if (index.TryGetValue(name, out var other) && other != kind)
                {
                    throw new InvalidOperationException($"'{name}' names both {other.Name} and {kind.Name}");
                }

                index[name] = kind;
            }
        }

        return index;
    }
}
