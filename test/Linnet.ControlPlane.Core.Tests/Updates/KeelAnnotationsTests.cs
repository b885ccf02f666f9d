using Linnet.Api.Validation;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Updates;

namespace Linnet.ControlPlane.Core.Tests.Updates;

/// <summary>Reading <c>keel.sh/*</c> annotations and labels the way Keel does (internal/policy/policy.go and its
/// policy_test.go), and refusing what Keel would silently drop.</summary>
public sealed class KeelAnnotationsTests
{
    private static readonly Dictionary<string, string> None = [];

    [Theory]
    [InlineData("all", ImagePolicyType.All, null)]
    [InlineData("major", ImagePolicyType.Major, null)]
    [InlineData("minor", ImagePolicyType.Minor, null)]
    [InlineData("patch", ImagePolicyType.Patch, null)]
    [InlineData("force", ImagePolicyType.Force, null)]
    [InlineData("never", ImagePolicyType.Never, null)]
    [InlineData("glob:foo-*", ImagePolicyType.Glob, "foo-*")]
    [InlineData("regexp:^v(?P<compare>[0-9]+)$", ImagePolicyType.Regexp, "^v(?P<compare>[0-9]+)$")]
    public void Read_PolicyAnnotation_Parsed(string value, ImagePolicyType type, string? pattern)
    {
        var errors = new List<FieldError>();

        var policy = KeelAnnotations.Read(new Dictionary<string, string> { [KeelAnnotations.Policy] = value }, None, errors);

        Assert.Empty(errors);
        Assert.Equal(type, policy!.Type);
        Assert.Equal(pattern, policy.Pattern);
        Assert.True(policy.MatchPreRelease); // Keel's default
    }

    [Fact]
    public void Read_AnnotationsOverrideLabels_OptionsFromTheSameMap()
    {
        // policy_test.go "annotations overrides labels": policy all from annotations, matchPreRelease default true
        // even though the labels say false.
        var errors = new List<FieldError>();
        var labels = new Dictionary<string, string> { [KeelAnnotations.Policy] = "patch", [KeelAnnotations.MatchPreRelease] = "false" };

        var policy = KeelAnnotations.Read(new Dictionary<string, string> { [KeelAnnotations.Policy] = "all" }, labels, errors);

        Assert.Empty(errors);
        Assert.Equal(new ImageUpdatePolicy(ImagePolicyType.All, MatchPreRelease: true), policy);
    }

    [Fact]
    public void Read_LabelsOnlyAndLegacyKeys_Parsed()
    {
        // policy_test.go "label matchPreRelease set to false", "legacy policy minor"; keel.sh/match-tag legacy.
        var errors = new List<FieldError>();

        var fromLabels = KeelAnnotations.Read(None, new Dictionary<string, string> { [KeelAnnotations.Policy] = "minor", [KeelAnnotations.MatchPreRelease] = "false" }, errors);
        var legacy = KeelAnnotations.Read(new Dictionary<string, string> { [KeelAnnotations.LegacyPolicy] = "force", [KeelAnnotations.LegacyMatchTag] = "true" }, None, errors);

        Assert.Empty(errors);
        Assert.Equal(new ImageUpdatePolicy(ImagePolicyType.Minor, MatchPreRelease: false), fromLabels);
        Assert.Equal(new ImageUpdatePolicy(ImagePolicyType.Force, MatchTag: true), legacy);
    }

    [Theory]
    [InlineData(KeelAnnotations.Policy, "sometimes", "is not a Keel policy")]
    [InlineData(KeelAnnotations.Policy, "glob:a:b", "is not a glob policy")]
    [InlineData(KeelAnnotations.Policy, "regexp:(a", "is not a regular expression")]
    [InlineData(KeelAnnotations.Policy, "regexp:(a)\\1", "is not a regular expression")]
    [InlineData(KeelAnnotations.MatchPreRelease, "yes", "must be \"true\" or \"false\"")]
    [InlineData(KeelAnnotations.Trigger, "push", "is not a Keel trigger")]
    [InlineData(KeelAnnotations.PollSchedule, "@every 1m", "applies only with keel.sh/trigger: poll")]
    [InlineData(KeelAnnotations.Approvals, "two", "must be a whole number")]
    [InlineData(KeelAnnotations.ApprovalDeadline, "1d", "must be a whole number of hours")]
    [InlineData(KeelAnnotations.ApprovalDeadline, "0", "between 1 and 8760")]
    [InlineData(KeelAnnotations.Approvals, "101", "at most 100")]
    [InlineData(KeelAnnotations.ImagePullSecret, "regcred", "spec.imagePullSecretFile")]
    [InlineData("keel.sh/pollschedule", "@every 1m", "is not a Keel annotation Linnet knows")]
    [InlineData(KeelAnnotations.Notify, "ops, ,dev", "is not a channel name")]
    [InlineData(KeelAnnotations.Notify, "ops team", "is not a channel name")]
    [InlineData(KeelAnnotations.ReleaseNotes, "notes.txt", "is not an http or https link")]
    [InlineData(KeelAnnotations.ReleaseNotes, "ftp://example.com/notes", "is not an http or https link")]
    [InlineData(KeelAnnotations.MonitorContainers, "(web", "is not a regular expression")]
    public void Read_BadOrUnhonouredValue_RefusedWithPath(string key, string value, string reason)
    {
        var errors = new List<FieldError>();
        var annotations = new Dictionary<string, string> { [key] = value };
        if (key != KeelAnnotations.Policy)
        {
            annotations[KeelAnnotations.Policy] = "never";
        }

        KeelAnnotations.Read(annotations, None, errors);

        var error = Assert.Single(errors);
        Assert.Equal($"metadata.annotations.{key}", error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadPollSchedule_TriggerPoll_ScheduleOrKeelsDefault()
    {
        var errors = new List<FieldError>();
        var scheduled = new Dictionary<string, string> { [KeelAnnotations.Policy] = "minor", [KeelAnnotations.Trigger] = "poll", [KeelAnnotations.PollSchedule] = "@every 30s" };
        var bare = new Dictionary<string, string> { [KeelAnnotations.Policy] = "minor", [KeelAnnotations.Trigger] = "poll" };

        KeelAnnotations.Read(scheduled, None, errors);
        KeelAnnotations.Read(bare, None, errors);

        Assert.Empty(errors);
        Assert.Equal("@every 30s", KeelAnnotations.ReadPollSchedule(scheduled, None)!.Text);
        Assert.Equal("@every 1m", KeelAnnotations.ReadPollSchedule(bare, None)!.Text);
        Assert.Equal("@every 1m", KeelAnnotations.ReadPollSchedule(None, bare)!.Text);
        Assert.Null(KeelAnnotations.ReadPollSchedule(new Dictionary<string, string> { [KeelAnnotations.Policy] = "minor" }, None));
    }

    [Fact]
    public void Read_PollScheduleNotASchedule_RefusedWithPath()
    {
        var errors = new List<FieldError>();

        KeelAnnotations.Read(new Dictionary<string, string> { [KeelAnnotations.Policy] = "minor", [KeelAnnotations.Trigger] = "poll", [KeelAnnotations.PollSchedule] = "@every 5x" }, None, errors);

        var error = Assert.Single(errors);
        Assert.Equal("metadata.annotations.keel.sh/pollSchedule", error.Path);
        Assert.Contains("Go duration", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NotifyChannels_CommaSeparated_TrimmedInOrder()
    {
        var errors = new List<FieldError>();
        var annotations = new Dictionary<string, string> { [KeelAnnotations.Policy] = "minor", [KeelAnnotations.Notify] = "#deploys, ops-alerts" };

        KeelAnnotations.Read(annotations, None, errors);

        Assert.Empty(errors);
        Assert.Equal(["#deploys", "ops-alerts"], KeelAnnotations.NotifyChannels(annotations));
        Assert.Empty(KeelAnnotations.NotifyChannels(None));
    }

    [Fact]
    public void Parse_KeelPolicyOnAService_RefusedAsIgnored()
    {
        const string Yaml = """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              annotations: { keel.sh/policy: minor }
            spec: { selector: { app: web }, ports: [{ port: 80 }] }
            """;

        var result = ManifestParser.Parse(Yaml, "test.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal("metadata.annotations.keel.sh/policy", error.Path);
        Assert.Contains("apply to Workloads, not to a Service", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WorkloadWithPolicyAndDefaultTrigger_Accepted()
    {
        const string Yaml = """
            apiVersion: linnet.io/v1alpha1
            kind: Workload
            metadata:
              name: web
              annotations: { keel.sh/policy: minor, keel.sh/trigger: default, keel.sh/matchPreRelease: "false" }
            spec: { command: /bin/true }
            """;

        var result = ManifestParser.Parse(Yaml, "test.yaml");

        Assert.Empty(result.Errors);
        Assert.Single(result.Resources);
    }

    [Fact]
    public void ApprovalsRequired_KeelsDefaultsAndLabelsFirst()
    {
        var errors = new List<FieldError>();
        var annotations = new Dictionary<string, string> { [KeelAnnotations.Policy] = "minor", [KeelAnnotations.Approvals] = "2" };
        var labels = new Dictionary<string, string> { [KeelAnnotations.Approvals] = "3", [KeelAnnotations.ApprovalDeadline] = "5" };

        KeelAnnotations.Read(annotations, labels, errors);

        Assert.Empty(errors);
        Assert.Equal((2, TimeSpan.FromHours(24)), KeelAnnotations.ApprovalsRequired(annotations, None));
        Assert.Equal((3, TimeSpan.FromHours(5)), KeelAnnotations.ApprovalsRequired(annotations, labels));
        Assert.Equal((0, TimeSpan.FromHours(24)), KeelAnnotations.ApprovalsRequired(None, None));
    }
}
