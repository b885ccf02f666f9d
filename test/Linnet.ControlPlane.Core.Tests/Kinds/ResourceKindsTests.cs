using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Kinds;
using Linnet.ControlPlane.Core.Manifests;

namespace Linnet.ControlPlane.Core.Tests.Kinds;

public sealed class ResourceKindsTests
{
    [Theory]
    [InlineData("svc", "Service")]
    [InlineData("Services", "Service")]
    [InlineData("wl", "Workload")]
    [InlineData("HTTPROUTES", "HTTPRoute")]
    [InlineData("route", "HTTPRoute")]
    [InlineData("grpcr", "GRPCRoute")]
    [InlineData("srv", "Server")]
    [InlineData("authzpolicy", "AuthorizationPolicy")]
    [InlineData("meshtlsauthn", "MeshTLSAuthentication")]
    [InlineData("netauthn", "NetworkAuthentication")]
    [InlineData("canaries", "Canary")]
    [InlineData("refgrant", "ReferenceGrant")]
    [InlineData("metrictemplates", "MetricTemplate")]
    [InlineData("alertprovider", "AlertProvider")]
    [InlineData("inst", "Instance")]
    [InlineData("approvals", "Approval")]
    [InlineData("releaseverdicts", "ReleaseVerdict")]
    [InlineData("imagepolicies", "ImagePolicy")]
    [InlineData("deploy", "Deployment")]
    [InlineData("endpointslices", "EndpointSlice")]
    public void Resolve_NamePeopleType_GivesTheKind(string typed, string kind) =>
        Assert.Equal(kind, ResourceKinds.Resolve(typed)?.Name);

    [Theory]
    [InlineData("gadget")]
    [InlineData("")]
    [InlineData("ImagePolicies-x")]
    public void Resolve_NotAKind_Null(string typed) => Assert.Null(ResourceKinds.Resolve(typed));

    [Fact]
    public void All_EveryKind_HasLowerCasePluralAndEitherACrdSchemaOrWhyNot()
    {
        foreach (var kind in ResourceKinds.All)
        {
            Assert.Equal(kind.Plural.ToLowerInvariant(), kind.Plural);
            Assert.All(kind.ShortNames, s => Assert.Equal(s.ToLowerInvariant(), s));
            Assert.True(kind.Spec is null != (kind.NoCrd is null), $"{kind.Name}: a CRD schema or the reason it has none, not both");
            Assert.NotEmpty(kind.ApiVersions);
            Assert.True(kind.Author == KindAuthor.User || kind.NotApplied is not null, $"{kind.Name} needs the reason users cannot apply it");
        }
    }

    [Fact]
    public void Refused_KindsRefusedWithAReason_AreNotInTheRegistry() =>
        Assert.All(ResourceKinds.Refused.Keys, name => Assert.Null(ResourceKinds.Find(name)));

    [Fact]
    public void Parse_OneOfEveryAppliedKind_WrittenInTheRegistrysVersionAndReadBackEqual()
    {
        var parsed = ManifestParser.Parse(AllKinds.Manifest, "all-kinds.yaml");

        Assert.True(parsed.IsValid, string.Join("\n", parsed.Errors));
        Assert.Equal(
            ResourceKinds.All.Where(k => k.Author == KindAuthor.User).Select(k => k.Name).Order(StringComparer.Ordinal),
            parsed.Resources.Select(r => r.Kind).Order(StringComparer.Ordinal));
        foreach (var resource in parsed.Resources)
        {
            var json = ResourceWriter.ToJson(resource);
            Assert.Equal(ResourceKinds.Of(resource).ApiVersion, (string?)json["apiVersion"]);
            var again = ManifestParser.Parse(json.ToJsonString(), "store", ManifestOrigin.Store);
            Assert.True(again.IsValid, string.Join("\n", again.Errors));
            Assert.True(resource.ContentEquals(again.Resources.Single()), $"{resource.Key} reads back different");
        }
    }

    [Fact]
    public void Spec_EveryKindWithACrd_DescribesWhatItsWriterWrites()
    {
        // The CRD schema is declared beside the reader and the writer: every field the writer puts in a spec must be
        // one the schema declares with that type, or sit in an object whose unknown fields are kept.
        var parsed = ManifestParser.Parse(AllKinds.Manifest, "all-kinds.yaml");
        foreach (var resource in parsed.Resources)
        {
            var kind = ResourceKinds.Of(resource);
            if (kind.Spec is null)
            {
                continue;
            }

            var problems = new List<string>();
            SchemaConformance.Check(kind.Spec, JsonNode.Parse(ResourceWriter.ToJsonLine(resource))!["spec"], "spec", problems);
            Assert.True(problems.Count == 0, $"{kind.Name}: {string.Join("; ", problems)}");
        }
    }

    [Fact]
    public void SchemaConformance_FieldOfTheWrongType_Reported()
    {
        // The check above must be able to fail.
        var problems = new List<string>();
        var spec = JsonNode.Parse("""{"port": true, "proxyProtocol": "HTTP/9", "podSelector": {}}""");

        SchemaConformance.Check(ResourceKinds.Find("Server")!.Spec!, spec, "spec", problems);

        Assert.Contains("spec.port: a port number or name, not true", problems);
        Assert.Contains("spec.proxyProtocol: 'HTTP/9' is not one of unknown, HTTP/1, HTTP/2, gRPC, opaque", problems);
    }

    [Theory]
    [InlineData("v2", "Service", "'v2' is not the version of Service (expected v1)")]
    [InlineData("policy.linkerd.io/v1", "Server", "'policy.linkerd.io/v1' is not a version of Server Linnet accepts (accepted: policy.linkerd.io/v1beta3, policy.linkerd.io/v1beta2, policy.linkerd.io/v1beta1)")]
    [InlineData("flagger.app/v1alpha1", "AlertProvider", "'flagger.app/v1alpha1' is not the version of AlertProvider (expected flagger.app/v1beta1)")]
    public void Parse_VersionTheKindDoesNotHave_RefusedNamingTheRegistrysVersions(string apiVersion, string kind, string reason)
    {
        var parsed = ManifestParser.Parse($"apiVersion: {apiVersion}\nkind: {kind}\nmetadata: {{ name: x }}\nspec: {{}}\n", "t");

        Assert.Contains(parsed.Errors, e => e.Path == "apiVersion" && e.Reason == reason);
    }
}
