using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Updates;

namespace Linnet.ControlPlane.Core.Tests.Updates;

/// <summary>Linnet's <c>ImagePolicy</c> kind: the fields of Keel's <c>keel.sh/*</c> annotations, read and checked by
/// the annotations' own code into the same settings; a Workload takes its settings from one place only.</summary>
public sealed class ImagePolicyTests
{
    private const string D1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    private const string Full = """
        apiVersion: linnet.io/v1alpha1
        kind: ImagePolicy
        metadata: { name: web-updates }
        spec:
          targetRef: { kind: Workload, name: web }
          policy: minor
          matchPreRelease: false
          trigger: poll
          pollSchedule: "@every 30s"
          approvals: 2
          approvalDeadline: 5
          notify: ["#deploys", "ops"]
          releaseNotes: https://example.com/web/releases
          monitorContainers: "^web$"
        """;

    [Fact]
    public void Parse_EveryField_TheSameSettingsAsTheAnnotations()
    {
        var policy = Assert.IsType<ImagePolicyResource>(Assert.Single(Parsed(Full)));
        var annotations = new Dictionary<string, string>
        {
            ["keel.sh/policy"] = "minor",
            ["keel.sh/matchPreRelease"] = "false",
            ["keel.sh/trigger"] = "poll",
            ["keel.sh/pollSchedule"] = "@every 30s",
            ["keel.sh/approvals"] = "2",
            ["keel.sh/approvalDeadline"] = "5",
            ["keel.sh/notify"] = "#deploys, ops",
            ["keel.sh/releaseNotes"] = "https://example.com/web/releases",
            ["keel.sh/monitorContainers"] = "^web$",
        };

        var settings = policy.Spec.Settings;

        Assert.Equal("web", policy.Spec.Workload);
        Assert.Equal(new ImageUpdatePolicy(ImagePolicyType.Minor, MatchPreRelease: false), settings.Policy);
        Assert.Equal("@every 30s", settings.Poll!.Text);
        Assert.Equal(2, settings.Approvals);
        Assert.Equal(TimeSpan.FromHours(5), settings.ApprovalDeadline);
        Assert.Equal(["#deploys", "ops"], settings.NotifyChannels);
        Assert.Equal("https://example.com/web/releases", settings.ReleaseNotes);
        Assert.True(settings.MonitorsContainer("web"));
        Assert.False(settings.MonitorsContainer("sidecar"));
        Assert.Equal(KeelAnnotations.ReadSettings(annotations, new Dictionary<string, string>(), []), settings);
    }

    [Fact]
    public void Write_ThenReadAsTheStoreDoes_SameSettings()
    {
        var policy = Assert.IsType<ImagePolicyResource>(Assert.Single(Parsed(Full)));

        var again = ManifestParser.Parse(ResourceWriter.ToJsonLine(policy), "store", ManifestOrigin.Store);

        Assert.Empty(again.Errors);
        Assert.Equal(policy.Spec, Assert.IsType<ImagePolicyResource>(Assert.Single(again.Resources)).Spec);
    }

    [Theory]
    // Each field refused as the annotation of the same name is, at the field's own path.
    [InlineData("policy: sometimes", "spec.policy", "'sometimes' is not a Keel policy")]
    [InlineData("policy: minor\n  trigger: push", "spec.trigger", "'push' is not a Keel trigger (poll, default)")]
    [InlineData("policy: minor\n  pollSchedule: \"@every 30s\"", "spec.pollSchedule", "applies only with keel.sh/trigger: poll")]
    [InlineData("policy: minor\n  matchPreRelease: yes", "spec.matchPreRelease", "must be \"true\" or \"false\"")]
    [InlineData("policy: minor\n  approvals: many", "spec.approvals", "'many' must be a whole number")]
    [InlineData("policy: minor\n  approvalDeadline: 0", "spec.approvalDeadline", "between 1 and 8760")]
    [InlineData("policy: minor\n  releaseNotes: ftp://example.com/notes", "spec.releaseNotes", "is not an http or https link")]
    [InlineData("policy: minor\n  monitorContainers: \"(\"", "spec.monitorContainers", "is not a regular expression")]
    [InlineData("policy: minor\n  notify: [\"#a b\"]", "spec.notify", "write channel names separated by commas")]
    [InlineData("policy: minor\n  imagePullSecret: regcred", "spec.imagePullSecret", "unknown field")]
    public void Parse_BadField_RefusedAtItsPathAsTheAnnotationIs(string fields, string path, string reason)
    {
        var result = ManifestParser.Parse($$"""
            apiVersion: linnet.io/v1alpha1
            kind: ImagePolicy
            metadata: { name: web-updates }
            spec:
              targetRef: { kind: Workload, name: web }
              {{fields}}
            """, "test.yaml");

        Assert.Empty(result.Resources);
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("targetRef: { kind: Workload, name: web }", "spec.policy", "is required")]
    [InlineData("policy: minor", "spec.targetRef", "is required")]
    [InlineData("targetRef: { kind: Deployment, name: web }\n  policy: minor", "spec.targetRef.kind", "'Deployment' is not a kind an ImagePolicy can target (Workload)")]
    [InlineData("targetRef: { kind: Workload }\n  policy: minor", "spec.targetRef.name", "is required")]
    public void Parse_MissingOrWrongTarget_Refused(string spec, string path, string reason)
    {
        var result = ManifestParser.Parse($"apiVersion: linnet.io/v1alpha1\nkind: ImagePolicy\nmetadata: {{ name: p }}\nspec:\n  {spec}\n", "test.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_WorkloadWithoutAnnotationsTargetedByAPolicy_UpdatedByThePolicysRules()
    {
        var workload = Workload("web", annotations: []);
        var policy = Assert.IsType<ImagePolicyResource>(Assert.Single(Parsed(Full.Replace("approvals: 2", "approvals: 0", StringComparison.Ordinal))));

        // minor: 1.3.0 is taken, 2.0.0 is not; without the policy nothing is.
        Assert.Equal($"r.io/shop/web:1.3.0@{D1}", Assert.Single(ImageUpdatePlanner.Plan([workload], new ImagePushEvent("r.io/shop/web", "1.3.0", D1), [], [policy])).Image);
        Assert.Empty(ImageUpdatePlanner.Plan([workload], new ImagePushEvent("r.io/shop/web", "2.0.0", D1), [], [policy]));
        Assert.Empty(ImageUpdatePlanner.Plan([workload], new ImagePushEvent("r.io/shop/web", "1.3.0", D1), [], []));

        // A policy of another namespace, or for another workload, is not this workload's.
        Assert.Empty(ImageUpdatePlanner.Plan([workload], new ImagePushEvent("r.io/shop/web", "1.3.0", D1), [], [policy with { Metadata = policy.Metadata with { Namespace = "other" } }]));
        Assert.Empty(ImageUpdatePlanner.Plan([workload], new ImagePushEvent("r.io/shop/web", "1.3.0", D1), [], [policy with { Spec = policy.Spec with { Workload = "api" } }]));
    }

    [Fact]
    public void Conflict_PolicyAndKeelAnnotationsOnItsTarget_RefusedWhicheverIsApplied()
    {
        var policy = Assert.IsType<ImagePolicyResource>(Assert.Single(Parsed(Full)));
        var annotated = Workload("web", new Dictionary<string, string> { ["keel.sh/policy"] = "patch" });

        var together = ImagePolicies.Conflict(Snapshot(), [annotated, policy]);
        var policyLater = ImagePolicies.Conflict(Snapshot(annotated), [policy]);
        var annotationsLater = ImagePolicies.Conflict(Snapshot(policy, Workload("web", [])), [annotated]);

        Assert.Equal("Workload default/web has annotation keel.sh/policy and ImagePolicy default/web-updates targets it: its image update settings must be in one place (remove the keel.sh/* annotations and labels, or the ImagePolicy)", together);
        Assert.Equal(together, policyLater);
        Assert.Equal(together, annotationsLater);
    }

    [Fact]
    public void Conflict_KeelLabelOnTheTarget_Refused()
    {
        var policy = Assert.IsType<ImagePolicyResource>(Assert.Single(Parsed(Full)));
        var labelled = Workload("web", []) with { Metadata = new ObjectMeta { Name = "web", Labels = new Dictionary<string, string> { ["keel.sh/policy"] = "major" } } };

        Assert.Contains("has label keel.sh/policy", ImagePolicies.Conflict(Snapshot(labelled), [policy]), StringComparison.Ordinal);
    }

    [Fact]
    public void Conflict_TwoPoliciesForOneWorkload_Refused()
    {
        var first = Assert.IsType<ImagePolicyResource>(Assert.Single(Parsed(Full)));
        var second = first with { Metadata = first.Metadata with { Name = "web-other" } };

        Assert.Equal(
            "ImagePolicy default/web-updates targets Workload default/web, as ImagePolicy default/web-other does: one ImagePolicy per Workload",
            ImagePolicies.Conflict(Snapshot(first), [second]));
    }

    [Fact]
    public void Conflict_OnePlaceOnly_Admitted()
    {
        var policy = Assert.IsType<ImagePolicyResource>(Assert.Single(Parsed(Full)));

        Assert.Null(ImagePolicies.Conflict(Snapshot(Workload("web", [])), [policy]));
        Assert.Null(ImagePolicies.Conflict(Snapshot(policy), [Workload("web", []), Workload("api", new Dictionary<string, string> { ["keel.sh/policy"] = "patch" })]));

        // A policy in another namespace targets that namespace's web, not this one.
        Assert.Null(ImagePolicies.Conflict(Snapshot(Workload("web", new Dictionary<string, string> { ["keel.sh/policy"] = "patch" })), [policy with { Metadata = policy.Metadata with { Namespace = "other" } }]));
    }

    private static IReadOnlyList<Resource> Parsed(string yaml)
    {
        var result = ManifestParser.Parse(yaml, "test.yaml");
        Assert.Empty(result.Errors);
        return result.Resources;
    }

    private static StoreSnapshot Snapshot(params Resource[] resources) => new(1, resources.ToDictionary(r => r.Key));

    private static WorkloadResource Workload(string name, Dictionary<string, string> annotations) => new()
    {
        Metadata = new ObjectMeta { Name = name, Annotations = annotations },
        Spec = new WorkloadSpec(1, "default", "", [], [], null, [], [], null) { Image = "r.io/shop/web:1.2.0" },
    };
}
