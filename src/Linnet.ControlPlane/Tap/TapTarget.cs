namespace Linnet.ControlPlane.Tap;

/// <summary>Which proxies a tap listens on: every proxy of a namespace, of one workload, or one instance.</summary>
internal sealed record TapTarget(string Namespace, string? Workload, string? Instance)
{
    public bool Covers(AttachedTapProxy proxy) =>
        proxy.Namespace == Namespace
        && (Workload is null || proxy.Workload == Workload)
        && (Instance is null || proxy.Instance == Instance);

    public override string ToString() =>
        Instance is not null ? $"instance {Namespace}/{Instance}" : Workload is not null ? $"workload {Namespace}/{Workload}" : $"namespace {Namespace}";
}
