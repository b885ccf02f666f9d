using Linnet.Api.Policy;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Core.Policy;

/// <summary>Computes one instance's inbound policy from a store snapshot, with Linkerd's semantics: a port
/// that a Server covers admits only what an AuthorizationPolicy targeting that Server (or its Namespace)
/// allows, else what the Server's <c>accessPolicy</c> says (deny by default); any other port gets the default
/// policy (the instance's <c>config.linkerd.io/default-inbound-policy</c> annotation — a cluster's pod — else the
/// Workload's, else the mesh-wide one).
/// A pure function, golden-file tested.</summary>
public static class PolicyTranslator
{
    /// <summary>The policy of instance <paramref name="instance"/> of workload <paramref name="workload"/> in
    /// <paramref name="ns"/>. When the Instance resource is missing (a proxy that subscribed before the platform
    /// recorded it), the Workload's labels and ports stand in for it.</summary>
    public static InboundPolicyView Translate(StoreSnapshot snapshot, string ns, string workload, string instance, string meshDefault, string trustDomain)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var instanceResource = snapshot.Resources.GetValueOrDefault(new ResourceKey(InstanceResource.KindName, ns, instance)) as InstanceResource;
        var workloadName = instanceResource?.Spec.Workload is { Length: > 0 } named ? named : workload;
        var workloadResource = snapshot.Resources.GetValueOrDefault(new ResourceKey(WorkloadResource.KindName, ns, workloadName)) as WorkloadResource;
        var labels = instanceResource?.Metadata.Labels ?? workloadResource?.Metadata.Labels ?? new Dictionary<string, string>();
        var ports = instanceResource?.Spec.Ports ?? workloadResource?.Spec.Ports ?? [];
        var defaultPolicy = DefaultPolicy(instanceResource, workloadResource, meshDefault);

        var servers = new List<InboundServerView>();
        var claimed = new HashSet<int>();
        foreach (var server in snapshot.OfKind<ServerResource>())
        {
            if (server.Metadata.Namespace != ns || !server.Spec.PodSelector.Matches(labels))
            {
                continue;
            }

            // Two Servers on one port is an error Linkerd's admission refuses; here the first by name wins.
            var covered = ResolvePorts(snapshot, ns, labels, ports, server.Spec.Port).Where(claimed.Add).ToList();
            if (covered.Count == 0)
            {
                continue;
            }

            servers.Add(new InboundServerView(server.Metadata.Name, covered, server.Spec.ProxyProtocol, server.Spec.AccessPolicy, Authorizations(snapshot, server, trustDomain)));
        }

        return new InboundPolicyView(defaultPolicy, servers);
    }

    /// <summary>Linkerd's order: the instance's own <c>config.linkerd.io/default-inbound-policy</c> (on a cluster, the pod's,
    /// which the injector copies from its namespace when the pod sets none), else the Workload's, else the mesh-wide
    /// default. A value that is not a policy Linnet knows (only a cluster's pods can carry one: manifests are checked on
    /// apply, and the mirror reports it) fails closed, to <c>deny</c>, rather than falling back to a looser default.
    /// Universal mode's supervisor writes the same decision into each proxy's config, which the proxy enforces until
    /// the control plane's first answer.</summary>
    public static string DefaultPolicy(InstanceResource? instance, WorkloadResource? workload, string meshDefault)
    {
        foreach (var metadata in new[] { instance?.Metadata, workload?.Metadata })
        {
            if (metadata is not null && metadata.Annotations.TryGetValue(DefaultInboundPolicies.Annotation, out var annotated))
            {
                return DefaultInboundPolicies.IsKnown(annotated.Trim()) ? annotated.Trim() : DefaultInboundPolicies.Deny;
            }
        }

        return meshDefault;
    }

    private static IEnumerable<int> ResolvePorts(StoreSnapshot snapshot, string ns, IReadOnlyDictionary<string, string> labels, IReadOnlyList<int> ports, ServerPortRef port)
    {
        if (port.Number is { } number)
        {
            if (ports.Contains(number))
            {
                yield return number;
            }

            yield break;
        }

        // Instances declare bare port numbers; their names come from the Services that select them.
        var seen = new HashSet<int>();
        foreach (var service in snapshot.OfKind<ServiceResource>())
        {
            if (service.Metadata.Namespace != ns || !DictionaryEquality.Matches(service.Spec.Selector, labels))
            {
                continue;
            }

            foreach (var servicePort in service.Spec.Ports)
            {
                if (servicePort.Name == port.Name && ports.Contains(servicePort.TargetPort) && seen.Add(servicePort.TargetPort))
                {
                    yield return servicePort.TargetPort;
                }
            }
        }
    }

    private static List<AuthorizationView> Authorizations(StoreSnapshot snapshot, ServerResource server, string trustDomain)
    {
        var ns = server.Metadata.Namespace;
        var result = new List<AuthorizationView>();
        foreach (var policy in snapshot.OfKind<AuthorizationPolicyResource>())
        {
            var target = policy.Spec.TargetRef;
            var applies = policy.Metadata.Namespace == ns
                && ((target.Kind == ServerResource.KindName && target.Name == server.Metadata.Name) || (target.Kind == "Namespace" && target.Name == ns));
            if (applies && Resolve(snapshot, policy, trustDomain) is { } authorization)
            {
                result.Add(authorization);
            }
        }

        return result;
    }

    // Linkerd: every required authentication must hold, and a policy that names one that does not exist is
    // ignored (it authorizes nobody rather than everybody).
    private static AuthorizationView? Resolve(StoreSnapshot snapshot, AuthorizationPolicyResource policy, string trustDomain)
    {
        List<IdentityMatch>? identities = null;
        List<NetworkRule>? networks = null;
        foreach (var reference in policy.Spec.RequiredAuthenticationRefs)
        {
            switch (reference.Kind)
            {
                case MeshTlsAuthenticationResource.KindName:
                    if (snapshot.Resources.GetValueOrDefault(new ResourceKey(reference.Kind, reference.Namespace, reference.Name)) is not MeshTlsAuthenticationResource mtls)
                    {
                        return null;
                    }

                    identities ??= [];
                    AddIdentities(identities, mtls, trustDomain);
                    break;
                case NetworkAuthenticationResource.KindName:
                    if (snapshot.Resources.GetValueOrDefault(new ResourceKey(reference.Kind, reference.Namespace, reference.Name)) is not NetworkAuthenticationResource network)
                    {
                        return null;
                    }

                    networks = [.. network.Spec.Networks];
                    break;
                case "ServiceAccount":
                    identities ??= [];
                    AddDistinct(identities, new IdentityMatch(IdentityMatchKind.Exact, IdentityPattern.SpiffeId(trustDomain, reference.Namespace, reference.Name)));
                    break;
            }
        }

        return new AuthorizationView(policy.Metadata.Name, identities, networks);
    }

    private static void AddIdentities(List<IdentityMatch> identities, MeshTlsAuthenticationResource mtls, string trustDomain)
    {
        foreach (var text in mtls.Spec.Identities)
        {
            if (IdentityPattern.TryParse(text, out var match, out _))
            {
                AddDistinct(identities, match);
            }
        }

        foreach (var reference in mtls.Spec.IdentityRefs)
        {
            AddDistinct(identities, reference.Kind == "ServiceAccount" && reference.Name is { } sa
                ? new IdentityMatch(IdentityMatchKind.Exact, IdentityPattern.SpiffeId(trustDomain, reference.Namespace, sa))
                : new IdentityMatch(IdentityMatchKind.Prefix, $"spiffe://{trustDomain}/ns/{reference.Namespace}/sa/"));
        }
    }

    private static void AddDistinct(List<IdentityMatch> identities, IdentityMatch match)
    {
        if (!identities.Contains(match))
        {
            identities.Add(match);
        }
    }
}
