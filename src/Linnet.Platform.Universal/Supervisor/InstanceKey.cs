using System.Globalization;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>One replica slot of a workload: what an instance's address and files are stable for.</summary>
internal readonly record struct InstanceKey(string Namespace, string Workload, int Index)
{
    /// <summary>The instance's name, <c>&lt;workload&gt;-&lt;index&gt;</c> (a Pod name's role).</summary>
    public string Name => string.Create(CultureInfo.InvariantCulture, $"{Workload}-{Index}");

    /// <inheritdoc />
    public override string ToString() => $"{Namespace}/{Name}";
}
