namespace Linnet.Cli;

/// <summary>The kinds the CLI knows, with the short names people type.</summary>
internal static class ResourceKinds
{
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["service"] = "Service", ["services"] = "Service", ["svc"] = "Service",
        ["workload"] = "Workload", ["workloads"] = "Workload", ["wl"] = "Workload",
        ["httproute"] = "HTTPRoute", ["httproutes"] = "HTTPRoute", ["route"] = "HTTPRoute", ["routes"] = "HTTPRoute",
        ["grpcroute"] = "GRPCRoute", ["grpcroutes"] = "GRPCRoute", ["grpcr"] = "GRPCRoute",
        ["instance"] = "Instance", ["instances"] = "Instance", ["inst"] = "Instance",
        ["server"] = "Server", ["servers"] = "Server", ["srv"] = "Server",
        ["authorizationpolicy"] = "AuthorizationPolicy", ["authorizationpolicies"] = "AuthorizationPolicy", ["authzpolicy"] = "AuthorizationPolicy",
        ["meshtlsauthentication"] = "MeshTLSAuthentication", ["meshtlsauthentications"] = "MeshTLSAuthentication", ["meshtlsauthn"] = "MeshTLSAuthentication",
        ["networkauthentication"] = "NetworkAuthentication", ["networkauthentications"] = "NetworkAuthentication", ["netauthn"] = "NetworkAuthentication",
        ["canary"] = "Canary", ["canaries"] = "Canary",
        ["referencegrant"] = "ReferenceGrant", ["referencegrants"] = "ReferenceGrant", ["refgrant"] = "ReferenceGrant",
        ["metrictemplate"] = "MetricTemplate", ["metrictemplates"] = "MetricTemplate",
        ["alertprovider"] = "AlertProvider", ["alertproviders"] = "AlertProvider",
        ["imagepolicy"] = "ImagePolicy", ["imagepolicies"] = "ImagePolicy",
    };

    public static string Known => "service (svc), workload (wl), httproute (route), grpcroute (grpcr), instance, server (srv), authorizationpolicy (authzpolicy), meshtlsauthentication (meshtlsauthn), networkauthentication (netauthn), canary, referencegrant (refgrant), metrictemplate, alertprovider, imagepolicy";

    public static string? Resolve(string alias) => Aliases.GetValueOrDefault(alias);
}
