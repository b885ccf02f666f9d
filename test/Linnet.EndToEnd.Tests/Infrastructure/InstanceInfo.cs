namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>An <c>Instance</c> resource as the API lists it.</summary>
internal sealed record InstanceInfo(string Name, string Workload, string Address, bool Ready, long ResourceVersion);
