using System.Security.Cryptography;
using System.Text;
using Linnet.ControlPlane.Core.Manifests;

namespace Linnet.ControlPlane.Core.Resources;

/// <summary>What a workload's instances run, as one short hash of its spec without the replica count (Kubernetes'
/// pod-template-hash, Flagger's revision): the canary's revision, and what each instance reports it runs, so that
/// an instance still running the previous spec is not counted ready for the new one.</summary>
public static class WorkloadSpecHash
{
    /// <summary>The hash of <paramref name="spec"/>, replicas aside.</summary>
    public static string Of(WorkloadSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var neutral = new WorkloadResource { Metadata = new ObjectMeta { Name = "x" }, Spec = spec with { Replicas = 0 } };
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(ResourceWriter.ToJson(neutral)["spec"]!.ToJsonString()));
        return Convert.ToHexStringLower(bytes.AsSpan(0, 8));
    }
}
