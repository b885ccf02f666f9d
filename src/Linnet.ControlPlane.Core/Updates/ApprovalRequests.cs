using System.Security.Cryptography;
using System.Text;
using Linnet.ControlPlane.Core.Resources;
using Linnet.Registry;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>Keel's approvals for universal Workloads: an update of a workload with <c>keel.sh/approvals: N</c>
/// becomes a pending <see cref="ApprovalResource"/> (one per workload and new tag, Keel's identifier
/// <c>workload/&lt;ns&gt;/&lt;name&gt;:&lt;tag&gt;</c>) that waits until N distinct voters approve, one rejects,
/// or <c>keel.sh/approvalDeadline</c> passes.</summary>
public static class ApprovalRequests
{
    /// <summary>Keel's identifier of the update of <paramref name="workload"/> to <paramref name="newImage"/>.</summary>
    public static string Identifier(WorkloadResource workload, string newImage)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(newImage);
        var tag = ImageReference.TryParse(newImage, out var image, out _) ? image.Tag ?? "latest" : newImage;
        return $"workload/{workload.Metadata.Namespace}/{workload.Metadata.Name}:{tag}";
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
        var identifier = Identifier(workload, newImage);
        return new ApprovalResource
        {
            Metadata = new ObjectMeta { Name = Name(workload.Metadata.Name, identifier), Namespace = workload.Metadata.Namespace },
            Spec = new ApprovalSpec(workload.Metadata.Name, identifier, workload.Spec.Image ?? "", newImage, votes, now + deadline, now) { UpdatedAt = now },
        };
    }

    /// <summary>The stored approval for <paramref name="identifier"/> in <paramref name="ns"/>, if any.</summary>
    public static ApprovalResource? Find(IEnumerable<ApprovalResource> approvals, string ns, string identifier)
    {
        ArgumentNullException.ThrowIfNull(approvals);
        return approvals.FirstOrDefault(a => a.Metadata.Namespace == ns && a.Spec.Identifier == identifier);
    }
}
