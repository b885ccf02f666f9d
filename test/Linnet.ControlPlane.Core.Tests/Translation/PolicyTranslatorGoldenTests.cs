using System.Text.Json;
using System.Text.Json.Serialization;
using Linnet.Api.Policy;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Policy;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Core.Tests.Translation;

/// <summary>Each <c>testassets/policy-*/input.yaml</c> gives, for every Instance in it, exactly the inbound
/// policies in <c>expected.json</c>.</summary>
public sealed class PolicyTranslatorGoldenTests
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    [Theory]
    [InlineData("policy-server-selection", DefaultInboundPolicies.AllUnauthenticated)]
    [InlineData("policy-defaults", DefaultInboundPolicies.AllUnauthenticated)]
    [InlineData("policy-namespace-and-audit", DefaultInboundPolicies.AllUnauthenticated)]
    public void Translate_Case_MatchesGoldenFile(string name, string meshDefault)
    {
        var snapshot = Load(name);

        var policies = new SortedDictionary<string, InboundPolicyView>(StringComparer.Ordinal);
        foreach (var instance in snapshot.OfKind<InstanceResource>())
        {
            policies[$"{instance.Metadata.Namespace}/{instance.Metadata.Name}"] =
                PolicyTranslator.Translate(snapshot, instance.Metadata.Namespace, instance.Spec.Workload, instance.Metadata.Name, meshDefault, "cluster.local");
        }

        GoldenFile.AssertMatches(Path.Combine(GoldenFile.AssetsDirectory(), name, "expected.json"), JsonSerializer.Serialize(policies, Json) + "\n");
    }

    [Fact]
    public void Translate_UnannotatedWorkload_GetsMeshWideDefault()
    {
        var snapshot = Load("policy-defaults");

        var policy = PolicyTranslator.Translate(snapshot, "shop", "plain", "plain-0", DefaultInboundPolicies.Deny, "cluster.local");

        Assert.Equal(DefaultInboundPolicies.Deny, policy.DefaultPolicy);
        Assert.Empty(policy.Servers);
    }

    [Fact]
    public void Translate_InstanceNotRecordedYet_UsesItsWorkload()
    {
        var snapshot = Load("policy-namespace-and-audit");

        var policy = PolicyTranslator.Translate(snapshot, "shop", "api", "api-not-yet-recorded", DefaultInboundPolicies.AllUnauthenticated, "cluster.local");

        Assert.Equal(DefaultInboundPolicies.Deny, policy.DefaultPolicy);
        Assert.Equal(["api-grpc", "api-http"], policy.Servers.Select(s => s.Name));
    }

    [Fact]
    public void Translate_SameSnapshot_EqualPolicies()
    {
        var snapshot = Load("policy-server-selection");

        var first = PolicyTranslator.Translate(snapshot, "shop", "backend", "backend-1", DefaultInboundPolicies.AllUnauthenticated, "cluster.local");
        var second = PolicyTranslator.Translate(snapshot, "shop", "backend", "backend-1", DefaultInboundPolicies.AllUnauthenticated, "cluster.local");

        Assert.Equal(first, second);
        Assert.NotEqual(first, PolicyTranslator.Translate(snapshot, "shop", "backend", "backend-canary", DefaultInboundPolicies.AllUnauthenticated, "cluster.local"));
    }

    private static StoreSnapshot Load(string name)
    {
        var parsed = ManifestParser.Parse(File.ReadAllText(Path.Combine(GoldenFile.AssetsDirectory(), name, "input.yaml")), name, ManifestOrigin.Store);
        Assert.Empty(parsed.Errors);
        return new StoreSnapshot(1, parsed.Resources.ToDictionary(r => r.Key));
    }
}
