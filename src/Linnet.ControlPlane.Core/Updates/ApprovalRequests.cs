using System.Security.Cryptography;
using System.Text;
using Linnet.ControlPlane.Core.Resources;
using Linnet.Registry;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>Keel's approvals: an update of a Workload or Deployment with <c>keel.sh/approvals: N</c>
/// becomes a pending <see cref="ApprovalResource"/> (one per resource and new tag, Keel's identifier
/// <c>&lt;kind&gt;/&lt;ns&gt;/&lt;name&gt;:&lt;tag&gt;</c>, the kind in lower case: <c>workload/…</c>, <c>deployment/…</c>) that waits until N distinct voters approve, one rejects,
/// or <c>keel.sh/approvalDeadline</c> passes.</summary>
public static class ApprovalRequests
{
    /// <summary>Keel's identifier of the update of <paramref name="workload"/> to <paramref name="newImage"/>.</summary>
    public static string Identifier(WorkloadResource workload, string newImage) => Identifier((Resource)workload, newImage);

    /// <summary>Keel's identifier of the update of <paramref name="owner"/> (a Workload or a Deployment) to
    /// <paramref name="newImage"/>: <c>&lt;kind in lower case&gt;/&lt;namespace&gt;/&lt;name&gt;:&lt;tag&gt;</c>.</summary>
    public static string Identifier(Resource owner, string newImage)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(newImage);
        var tag = ImageReference.TryParse(newImage, out var image, out _) ? image.Tag ?? "latest" : newImage;
        return $"{owner.Kind.ToLowerInvariant()}/{owner.Metadata.Namespace}/{owner.Metadata.Name}:{tag}";
    }

    /// <summary>The kind of resource <paramref name="approval"/> updates, read from its identifier's prefix:
    /// <c>Deployment</c> for <c>deployment/…</c>, else <c>Workload</c>.</summary>
    public static string TargetKind(ApprovalResource approval)
    {
        ArgumentNullException.ThrowIfNull(approval);
        return approval.Spec.Identifier.StartsWith("deployment/", StringComparison.Ordinal) ? DeploymentResource.KindName : WorkloadResource.KindName;
    }

    /// <summary>The store name of the approval with <paramref name="identifier"/>: the workload's name (cut so the
    /// whole stays a DNS label) and a hash of the identifier, as tags may hold characters names may not.</summary>
    public static string Name(string workload, string identifier)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(identifier);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identifier)).AsSpan(0, 5));
        return $"{(workload.Length > 52 ? workload[..52].TrimEnd('-') : workload)}-{hash}";
    }

    /// <summary>The pending request for moving <paramref name="workload"/> to <paramref name="newImage"/>, asked
    /// at <paramref name="now"/>, expiring after <paramref name="deadline"/>.</summary>
    public static ApprovalResource Request(WorkloadResource workload, string newImage, int votes, TimeSpan deadline, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(workload);
        return Request(workload, workload.Spec.Image ?? "", newImage, votes, deadline, now);
    }

    /// <summary>The pending request for moving <paramref name="owner"/> (a Workload, or a Deployment's containers
    /// that run <paramref name="currentImage"/>) to <paramref name="newImage"/>, asked at <paramref name="now"/>,
    /// expiring after <paramref name="deadline"/>.</summary>
    public static ApprovalResource Request(Resource owner, string currentImage, string newImage, int votes, TimeSpan deadline, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var identifier = Identifier(owner, newImage);
        return new ApprovalResource
        {
            Metadata = new ObjectMeta { Name = Name(owner.Metadata.Name, identifier), Namespace = owner.Metadata.Namespace },
            Spec = new ApprovalSpec(owner.Metadata.Name, identifier, currentImage, newImage, votes, now + deadline, now) { UpdatedAt = now },
        };
    }

    /// <summary>The stored approval for <paramref name="identifier"/> in <paramref name="ns"/>, if any.</summary>
    public static ApprovalResource? Find(IEnumerable<ApprovalResource> approvals, string ns, string identifier)
    {
        ArgumentNullException.ThrowIfNull(approvals);
        return approvals.FirstOrDefault(a => a.Metadata.Namespace == ns && a.Spec.Identifier == identifier);
    }
}
