using System.Collections.Concurrent;

namespace Linnet.ControlPlane.LoadTesting;

/// <summary>flagger-loadtester's gates (pkg/loadtester/gate.go): one flag per canary (<c>name.namespace</c>, and
/// <c>rollback.name.namespace</c> for the rollback gate), closed until opened. Kept in memory, as upstream does:
/// a restarted load tester has every gate closed.</summary>
public sealed class GateStore
{
    private readonly ConcurrentDictionary<string, bool> _open = new(StringComparer.Ordinal);

    /// <summary>Opens <paramref name="key"/>.</summary>
    public void Open(string key) => _open[key] = true;

    /// <summary>Closes <paramref name="key"/>.</summary>
    public void Close(string key) => _open[key] = false;

    /// <summary>Whether <paramref name="key"/> is open (never opened: closed).</summary>
    public bool IsOpen(string key) => _open.GetValueOrDefault(key);
}
