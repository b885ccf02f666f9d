using System.Collections.Frozen;
using System.Net;
using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Authorization;

/// <summary>An <see cref="InboundPolicyConfig"/> compiled once per config snapshot into a port lookup and
/// arrays, so that evaluating a request walks arrays and allocates nothing.</summary>
internal sealed class CompiledInboundPolicy
{
    private readonly FrozenDictionary<int, InboundServerRules> _byPort;
    private readonly InboundServerRules _default;

    private CompiledInboundPolicy(FrozenDictionary<int, InboundServerRules> byPort, InboundServerRules defaultRules)
    {
        _byPort = byPort;
        _default = defaultRules;
    }

    /// <summary>Compiles <paramref name="config"/>.</summary>
    public static CompiledInboundPolicy Compile(InboundPolicyConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var byPort = new Dictionary<int, InboundServerRules>();
        foreach (var server in config.Servers)
        {
            var rules = new AuthorizationRule[server.Authorizations.Count];
            for (var i = 0; i < rules.Length; i++)
            {
                var a = server.Authorizations[i];
                rules[i] = new AuthorizationRule(a.Name, false, a.Identities?.ToArray(), a.Networks?.ToArray());
            }

            var compiled = new InboundServerRules(server.Name, false, rules, server.AccessPolicy);
            foreach (var port in server.Ports)
            {
                // The control plane never sends a port twice; if a hand-written policy does, the first wins.
                byPort.TryAdd(port, compiled);
            }
        }

        return new CompiledInboundPolicy(byPort.ToFrozenDictionary(), new InboundServerRules(InboundServerRules.PolicyName(config.Default), true, [], config.Default));
    }

    /// <summary>Decides for a client with <paramref name="identity"/> (null: plaintext) from
    /// <paramref name="remote"/> connecting to app port <paramref name="port"/>.</summary>
    public AuthorizationDecision Evaluate(int port, string? identity, IPAddress? remote)
    {
        var server = _byPort.TryGetValue(port, out var covered) ? covered : _default;
        foreach (var rule in server.Rules)
        {
            if (rule.Matches(identity, remote))
            {
                return new AuthorizationDecision(server, rule);
            }
        }

        var fallback = server.FallbackRule;
        return fallback is not null && fallback.Matches(identity, remote) ? new AuthorizationDecision(server, fallback) : new AuthorizationDecision(server, null);
    }
}
