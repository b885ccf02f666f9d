using k8s.Models;
using Linnet.ControlPlane.Core.Kinds;

namespace Linnet.Platform.Kubernetes.Crds;

/// <summary>The CRDs of the registry's kinds, generated from each kind's entry (names, versions, status, spec
/// schema): one CRD per kind and API group (<c>HTTPRoute</c> is in Gateway API's group and in Linkerd's).</summary>
public static class CustomResourceDefinitions
{
    /// <summary>Every CRD Linnet reads or writes, in the registry's order.</summary>
    public static IReadOnlyList<V1CustomResourceDefinition> All() =>
        ResourceKinds.All.Where(k => k.Spec is not null).SelectMany(For).ToList();

    /// <summary>The CRDs of <paramref name="kind"/>: one per API group it is accepted in.</summary>
    public static IEnumerable<V1CustomResourceDefinition> For(ResourceKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (kind.Spec is null)
        {
            throw new ArgumentException($"{kind.Name} has no CRD: {kind.NoCrd}", nameof(kind));
        }

        foreach (var group in kind.ApiVersions.GroupBy(ResourceKind.GroupOf))
        {
            var versions = group.Select(ResourceKind.VersionOf).ToList();
            yield return new V1CustomResourceDefinition
            {
                ApiVersion = "apiextensions.k8s.io/v1",
                Kind = "CustomResourceDefinition",
                Metadata = new V1ObjectMeta
                {
                    Name = $"{kind.Plural}.{group.Key}",
                    Labels = new Dictionary<string, string> { [InstallNames.PartOfLabel] = InstallNames.PartOf },
                },
                Spec = new V1CustomResourceDefinitionSpec
                {
                    Group = group.Key,
                    Scope = "Namespaced",
                    Names = new V1CustomResourceDefinitionNames
                    {
                        Kind = kind.Name,
                        ListKind = kind.Name + "List",
                        Plural = kind.Plural,
                        Singular = kind.Name.ToLowerInvariant(),
                        ShortNames = kind.ShortNames.Count > 0 ? kind.ShortNames.ToList() : null,
                    },
                    // The first accepted version of the group is stored; the others are served with the same schema
                    // (the shapes Linnet reads are the same in each, so no conversion webhook is needed).
                    Versions = versions.Select((version, i) => new V1CustomResourceDefinitionVersion
                    {
                        Name = version,
                        Served = true,
                        Storage = i == 0,
                        Schema = new V1CustomResourceValidation { OpenAPIV3Schema = Root(kind) },
                        Subresources = kind.HasStatus ? new V1CustomResourceSubresources { Status = new Dictionary<string, object>() } : null,
                    }).ToList(),
                },
            };
        }
    }

    private static V1JSONSchemaProps Root(ResourceKind kind)
    {
        var properties = new Dictionary<string, V1JSONSchemaProps>
        {
            ["apiVersion"] = new() { Type = "string" },
            ["kind"] = new() { Type = "string" },
            ["metadata"] = new() { Type = "object" },
            ["spec"] = Convert(kind.Spec!),
        };
        if (kind.HasStatus)
        {
            properties["status"] = new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true, Description = "Written by the Linnet control plane." };
        }

        return new V1JSONSchemaProps { Type = "object", Properties = properties, Required = ["spec"] };
    }

    private static V1JSONSchemaProps Convert(KindSchema schema) => new()
    {
        Type = schema.IntOrString ? null : schema.Type,
        Description = schema.Description,
        Properties = schema.Properties.Count > 0 ? schema.Properties.ToDictionary(p => p.Key, p => Convert(p.Value)) : null,
        Required = schema.Required.Count > 0 ? schema.Required.ToList() : null,
        Items = schema.Items is null ? null : Convert(schema.Items),
        AdditionalProperties = schema.AdditionalProperties is null ? null : Convert(schema.AdditionalProperties),
        EnumProperty = schema.Enum.Count > 0 ? schema.Enum.Cast<object>().ToList() : null,
        Minimum = schema.Minimum,
        Maximum = schema.Maximum,
        XKubernetesPreserveUnknownFields = schema.PreserveUnknownFields ? true : null,
        XKubernetesIntOrString = schema.IntOrString ? true : null,
    };
}
