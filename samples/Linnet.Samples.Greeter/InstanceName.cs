namespace Linnet.Samples.Greeter;

/// <summary>The name of the instance this process runs as (<c>LINNET_INSTANCE</c>).</summary>
internal sealed record InstanceName(string Value);
