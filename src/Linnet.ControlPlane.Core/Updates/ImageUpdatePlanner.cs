using Linnet.ControlPlane.Core.Resources;
using Linnet.Registry;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>Which workloads a pushed tag updates, and to what: a workload whose image is the pushed repository
/// and whose Keel policy accepts the new tag (<see cref="ImageTagRules"/>) moves to <c>repo:tag</c>, pinned to the
/// pushed digest when the event names one, so that it runs exactly what was pushed (keel#803). A push that names
/// the digest a workload already runs changes nothing (keel#560, #536).</summary>
public static class ImageUpdatePlanner
{
    /// <summary>The updates <paramref name="push"/> causes among <paramref name="workloads"/>, each by its settings
    /// (<paramref name="policies"/> or its annotations: <see cref="ImagePolicies.For(WorkloadResource, IEnumerable{ImagePolicyResource})"/>);
    /// a version a canary rolled back (<paramref name="verdicts"/>, <see cref="ReleaseLoop.WasRolledBack"/>) is not
    /// planned again.</summary>
    public static IReadOnlyList<(WorkloadResource Workload, string Image)> Plan(IEnumerable<WorkloadResource> workloads, ImagePushEvent push, IEnumerable<ReleaseVerdictResource> verdicts, IEnumerable<ImagePolicyResource> policies)
    {
        ArgumentNullException.ThrowIfNull(workloads);
        ArgumentNullException.ThrowIfNull(push);
        ArgumentNullException.ThrowIfNull(verdicts);
        ArgumentNullException.ThrowIfNull(policies);
        var known = verdicts.ToList();
        var policyList = policies.ToList();
        var pushed = ImageReference.Parse(push.Repository + ":" + push.Tag);
        var result = new List<(WorkloadResource, string)>();
        foreach (var workload in workloads)
        {
            if (workload.Spec.Image is null || !ImageReference.TryParse(workload.Spec.Image, out var current, out _)
                || current.Registry != pushed.Registry || current.Repository != pushed.Repository)
            {
                continue;
            }

            if (ImagePolicies.For(workload, policyList) is not { Updates: true } settings || !settings.MonitorsContainer(workload.Metadata.Name))
            {
                continue;
            }

            var policy = settings.Policy;

            var currentTag = current.Tag ?? "latest";
            if (!ImageTagRules.ShouldUpdate(policy, currentTag, push.Tag, out _))
            {
                continue;
            }

            if (currentTag == push.Tag && (push.Digest is null || push.Digest == current.Digest?.ToString()))
            {
                // Same tag and no new digest to run: nothing would change but a redeploy.
                continue;
            }

            var image = pushed.WithTag(push.Tag);
            var text = push.Digest is null ? image.ToString() : image.WithDigest(ContentDigest.Parse(push.Digest, "digest")).ToString();
            if (ReleaseLoop.WasRolledBack(known, workload, text))
            {
                continue;
            }

            result.Add((workload, current.Registry == ImageReference.DockerHub && !workload.Spec.Image.StartsWith(ImageReference.DockerHub, StringComparison.Ordinal) ? Shorten(text) : text));
        }

        return result;
    }

    // Keep a Docker Hub image written as the user wrote it (nginx, library/nginx), not as docker.io/library/nginx.
    private static string Shorten(string text) => text.StartsWith("docker.io/library/", StringComparison.Ordinal) ? text["docker.io/library/".Length..] : text["docker.io/".Length..];
}
