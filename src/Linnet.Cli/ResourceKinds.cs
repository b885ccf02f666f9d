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
    };

    public static string Known => "service (svc), workload (wl), httproute (route), grpcroute (grpcr), instance";

    public static string? Resolve(string alias) => Aliases.GetValueOrDefault(alias);
}
