using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Destination;

/// <summary>Whether a proxy may subscribe as the workload and instance it names: its client certificate must
/// prove an identity of this trust domain in the subscription's namespace, and the service account the store
/// records for that instance (or, before the instance is written, for that workload) must be the certificate's.
/// Checked at subscribe time and again on every update, so an instance created later under the named name
/// cannot hand its policy to another identity.</summary>
internal static class SubscriberCheck
{
    /// <summary>Why <paramref name="peer"/> may not subscribe as <paramref name="workload"/>/<paramref name="instance"/>
    /// in <paramref name="ns"/>, or null when it may.</summary>
    public static string? Refusal(StoreSnapshot snapshot, SpiffeId? peer, string trustDomain, string ns, string workload, string instance)
    {
        if (peer is null)
        {
            return "no client certificate with a SPIFFE identity: subscribe with the proxy's mesh certificate";
        }

        if (peer.TrustDomain != trustDomain || peer.Namespace != ns)
        {
            return $"{peer} may not subscribe in namespace {ns}";
        }

        if (snapshot.Resources.GetValueOrDefault(new ResourceKey(InstanceResource.KindName, ns, instance)) is InstanceResource known)
        {
            if (known.Spec.Workload != workload)
            {
                return $"instance {ns}/{instance} belongs to workload {known.Spec.Workload}, not {workload}";
            }

            if (known.Spec.ServiceAccount != peer.ServiceAccount)
            {
                return $"instance {ns}/{instance} runs as service account {known.Spec.ServiceAccount}, not as {peer}";
            }
        }

        if (snapshot.Resources.GetValueOrDefault(new ResourceKey(WorkloadResource.KindName, ns, workload)) is WorkloadResource declared
            && declared.Spec.ServiceAccount != peer.ServiceAccount)
        {
            return $"workload {ns}/{workload} runs as service account {declared.Spec.ServiceAccount}, not as {peer}";
        }

        return null;
    }
}
