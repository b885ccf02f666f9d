using Linnet.ControlPlane.Core.Resources;
using Linnet.Registry;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>Which image targets (<see cref="ImageTarget"/>: a Workload's image, a Deployment's containers) a pushed
/// tag updates, and to what: a target whose image is the pushed repository and whose Keel policy accepts the new tag
/// (<see cref="ImageTagRules"/>) moves to <c>repo:tag</c>, pinned to the pushed digest when the event names one, so
/// that it runs exactly what was pushed (keel#803). A push that names the digest a target already runs changes
/// nothing (keel#560, #536).</summary>
public static class ImageUpdatePlanner
{
    /// <summary>The updates <paramref name="push"/> causes among <paramref name="targets"/>, each by its settings; a
    /// version a canary rolled back (<paramref name="verdicts"/>, <see cref="ReleaseLoop.WasRolledBack(IEnumerable{ReleaseVerdictResource}, string, string, string)"/>)
    /// is not planned again.</summary>
    public static IReadOnlyList<ImageUpdate> Plan(IEnumerable<ImageTarget> targets, ImagePushEvent push, IEnumerable<ReleaseVerdictResource> verdicts)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(push);
        ArgumentNullException.ThrowIfNull(verdicts);
        var known = verdicts.ToList();
        var pushed = ImageReference.Parse(push.Repository + ":" + push.Tag);
        var result = new List<ImageUpdate>();
        foreach (var target in targets)
        {
            if (!target.Settings.Updates || !ImageReference.TryParse(target.Image, out var current, out _)
                || current.Registry != pushed.Registry || current.Repository != pushed.Repository)
            {
                continue;
            }

            var currentTag = current.Tag ?? "latest";
            if (!ImageTagRules.ShouldUpdate(target.Settings.Policy, currentTag, push.Tag, out _))
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
            if (ReleaseLoop.WasRolledBack(known, target.Owner.Metadata.Namespace, target.Owner.Metadata.Name, text))
            {
                continue;
            }

            result.Add(new ImageUpdate(target, current.Registry == ImageReference.DockerHub && !target.Image.StartsWith(ImageReference.DockerHub, StringComparison.Ordinal) ? Shorten(text) : text));
        }

        return result;
    }

    /// <summary>The updates <paramref name="push"/> causes among <paramref name="workloads"/>, each by its settings
    /// (<paramref name="policies"/> or its annotations): <see cref="Plan(IEnumerable{ImageTarget}, ImagePushEvent, IEnumerable{ReleaseVerdictResource})"/>
    /// over their targets.</summary>
    public static IReadOnlyList<(WorkloadResource Workload, string Image)> Plan(IEnumerable<WorkloadResource> workloads, ImagePushEvent push, IEnumerable<ReleaseVerdictResource> verdicts, IEnumerable<ImagePolicyResource> policies)
    {
        ArgumentNullException.ThrowIfNull(workloads);
        return Plan(ImageTargets.Of(workloads, policies), push, verdicts).Select(u => ((WorkloadResource)u.Target.Owner, u.Image)).ToList();
    }

    // Keep a Docker Hub image written as the user wrote it (nginx, library/nginx), not as docker.io/library/nginx.
    private static string Shorten(string text) => text.StartsWith("docker.io/library/", StringComparison.Ordinal) ? text["docker.io/library/".Length..] : text["docker.io/".Length..];
}
