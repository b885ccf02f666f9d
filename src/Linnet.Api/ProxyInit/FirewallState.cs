namespace Linnet.Api.ProxyInit;

/// <summary>How much of proxy-init's rules a network namespace holds (<see cref="FirewallRules.Inspect"/>).</summary>
public enum FirewallState
{
    /// <summary>None of its chains or jumps.</summary>
    None,

    /// <summary>Some, from a run that stopped half-way.</summary>
    Partial,

    /// <summary>All of them, up to the last rule a run adds.</summary>
    Complete,
}
