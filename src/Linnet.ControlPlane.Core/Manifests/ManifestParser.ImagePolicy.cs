using Linnet.Api.Validation;
using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Updates;
using YamlDotNet.RepresentationModel;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>Linnet's <c>ImagePolicy</c>: a Workload's <c>keel.sh/*</c> settings as fields of a resource of their
/// own (<c>keel.sh/pollSchedule</c> is <c>spec.pollSchedule</c>), checked by the annotations' own validator
/// (<see cref="KeelAnnotations.ReadSettings(IReadOnlyDictionary{string, string}, Func{string, string}, List{FieldError})"/>).</summary>
public static partial class ManifestParser
{
    // The spec's settings: each is the keel.sh annotation of the same name.
    private static readonly string[] ImagePolicyFields =
        ["policy", "matchTag", "matchPreRelease", "trigger", "pollSchedule", "approvals", "approvalDeadline", "notify", "releaseNotes", "monitorContainers"];

    private static ImagePolicySpec ParseImagePolicySpec(YamlMap spec, List<FieldError> errors)
    {
        if (!spec.Exists)
        {
            spec.Error("", "spec is required (targetRef and policy)");
        }

        var target = spec.Map("targetRef");
        string? name = null;
        if (!target.Exists)
        {
            if (spec.Exists)
            {
                spec.Error("targetRef", "is required: the Workload of this namespace whose image the policy updates ({ kind: Workload, name: ... })");
            }
        }
        else
        {
            var kind = target.Text("kind", required: true);
            var apiVersion = target.Text("apiVersion");
            name = target.Text("name", required: true);
            if (kind is not null && kind != WorkloadResource.KindName)
            {
                target.Error("kind", $"'{kind}' is not a kind an ImagePolicy can target (Workload)");
            }

            if (apiVersion is not null && apiVersion != "linnet.io/v1alpha1")
            {
                target.Error("apiVersion", $"'{apiVersion}' is not the version of Workload (linnet.io/v1alpha1)");
            }

            if (name is not null && !IsDnsLabel(name))
            {
                target.Error("name", $"'{name}' must be a lowercase DNS label");
            }

            target.RejectUnknown();
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in ImagePolicyFields)
        {
            var node = spec.Node(field);
            if (node is null)
            {
                continue;
            }

            // notify: a list of channels, or Keel's comma-separated string.
            var value = field == "notify" && node is YamlSequenceNode ? string.Join(", ", spec.StringList(field)) : spec.Text(field);
            if (value is not null)
            {
                fields["keel.sh/" + field] = value;
            }
        }

        spec.RejectUnknown();
        var settings = spec.Exists ? KeelAnnotations.ReadSettings(fields, key => spec.Child(key["keel.sh/".Length..]), errors) : null;
        return new ImagePolicySpec(name ?? "", settings ?? new ImageUpdateSettings(ImageUpdatePolicy.Never));
    }
}
