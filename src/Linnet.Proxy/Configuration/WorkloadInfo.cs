namespace Linnet.Proxy.Configuration;

/// <summary>Who this proxy runs beside; these become the namespace/workload/pod labels of every metric.</summary>
internal sealed record WorkloadInfo(string Namespace, string Name, string Pod);
