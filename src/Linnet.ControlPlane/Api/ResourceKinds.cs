using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Api;

/// <summary>Kind names as users type them (<c>Service</c>, <c>services</c>, <c>svc</c>, <c>httproute</c>…).</summary>
internal static class ResourceKinds
{
    private static readonly Dictionary<string, string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["service"] = ServiceResource.KindName,
        ["services"] = ServiceResource.KindName,
        ["svc"] = ServiceResource.KindName,
        ["workload"] = WorkloadResource.KindName,
        ["workloads"] = WorkloadResource.KindName,
        ["httproute"] = HttpRouteResource.KindName,
        ["httproutes"] = HttpRouteResource.KindName,
        ["grpcroute"] = GrpcRouteResource.KindName,
        ["grpcroutes"] = GrpcRouteResource.KindName,
        ["instance"] = InstanceResource.KindName,
        ["instances"] = InstanceResource.KindName,
        ["server"] = ServerResource.KindName,
        ["servers"] = ServerResource.KindName,
        ["srv"] = ServerResource.KindName,
        ["authorizationpolicy"] = AuthorizationPolicyResource.KindName,
        ["authorizationpolicies"] = AuthorizationPolicyResource.KindName,
        ["authzpolicy"] = AuthorizationPolicyResource.KindName,
        ["meshtlsauthentication"] = MeshTlsAuthenticationResource.KindName,
        ["meshtlsauthentications"] = MeshTlsAuthenticationResource.KindName,
        ["meshtlsauthn"] = MeshTlsAuthenticationResource.KindName,
        ["networkauthentication"] = NetworkAuthenticationResource.KindName,
        ["networkauthentications"] = NetworkAuthenticationResource.KindName,
        ["netauthn"] = NetworkAuthenticationResource.KindName,
        ["canary"] = CanaryResource.KindName,
        ["canaries"] = CanaryResource.KindName,
        ["referencegrant"] = ReferenceGrantResource.KindName,
        ["referencegrants"] = ReferenceGrantResource.KindName,
        ["refgrant"] = ReferenceGrantResource.KindName,
        ["metrictemplate"] = MetricTemplateResource.KindName,
        ["metrictemplates"] = MetricTemplateResource.KindName,
        ["alertprovider"] = AlertProviderResource.KindName,
        ["alertproviders"] = AlertProviderResource.KindName,
        ["imagepolicy"] = ImagePolicyResource.KindName,
        ["imagepolicies"] = ImagePolicyResource.KindName,
    };

    public const string Known = "Service, Workload, HTTPRoute, GRPCRoute, Instance, Server, AuthorizationPolicy, MeshTLSAuthentication, NetworkAuthentication, Canary, ReferenceGrant, MetricTemplate, AlertProvider, ImagePolicy";

    /// <summary>The kind's canonical name, or null when it is not a kind.</summary>
    public static string? Canonical(string? name) => name is not null && Names.TryGetValue(name, out var kind) ? kind : null;

    /// <summary>True for kinds that the platform writes and users must not change through the API.</summary>
    public static bool IsPlatformOwned(string kind) => kind == InstanceResource.KindName;
}
