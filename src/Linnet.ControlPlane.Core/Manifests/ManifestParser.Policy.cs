using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Linnet.Api.Policy;
using Linnet.Api.Validation;
using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Kinds;
using Linnet.ControlPlane.Core.Policy;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Updates;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>The authorization kinds (Linkerd's policy shapes): Server, AuthorizationPolicy,
/// MeshTLSAuthentication and NetworkAuthentication.</summary>
public static partial class ManifestParser
{
    private const string PolicyGroup = "policy.linkerd.io";
    internal static readonly string[] ProxyProtocols = ["unknown", "HTTP/1", "HTTP/2", "gRPC", "opaque"];

    /// <summary>A policy kind's document: the spec is required, then <paramref name="read"/> reads it.</summary>
    internal static Resource? ReadPolicySpec(KindDocument document, Func<ObjectMeta, YamlMap, Resource> read)
    {
        if (!document.Spec.Exists)
        {
            document.Spec.Error("", "spec is required");
        }

        return document.Metadata is null ? null : read(document.Metadata, document.Spec);
    }

    /// <summary>The default-inbound-policy annotation, wherever it is set, must name a policy.</summary>
    private static void ValidatePolicyAnnotations(string? kind, ObjectMeta? metadata, List<FieldError> errors)
    {
        if (metadata is not null && metadata.Annotations.TryGetValue(DefaultInboundPolicies.Annotation, out var value) && !DefaultInboundPolicies.IsKnown(value))
        {
            errors.Add(new FieldError($"metadata.annotations.{DefaultInboundPolicies.Annotation}", DefaultInboundPolicies.Unknown(value)));
        }

        ValidateImageUpdateAnnotations(kind, metadata, errors);
    }

    private static void ValidateImageUpdateAnnotations(string? kind, ObjectMeta? metadata, List<FieldError> errors)
    {
        if (metadata is null)
        {
            return;
        }

        // Read for its errors: a valid policy is applied by the registry webhooks (ImageUpdatePlanner).
        var before = errors.Count;
        var policy = KeelAnnotations.Read(metadata.Annotations, metadata.Labels, errors);
        if (kind != WorkloadResource.KindName && errors.Count == before && policy is not null)
        {
            errors.Add(new FieldError("metadata.annotations." + KeelAnnotations.Policy, $"image policies apply to Workloads, not to a {kind}"));
        }
    }

    internal static ServerSpec ParseServerSpec(YamlMap spec)
    {
        var selectorMap = spec.Map("podSelector");
        var selector = LabelSelector.Everything;
        if (selectorMap.Exists)
        {
            selector = ParseLabelSelector(selectorMap);
        }
        else if (spec.Exists)
        {
            spec.Error("podSelector", "is required (use 'podSelector: {}' to select every instance of the namespace)");
        }

        if (spec.Node("externalWorkloadSelector") is not null)
        {
            spec.Error("externalWorkloadSelector", "is not supported: Linnet has no external workloads");
        }

        var port = new ServerPortRef(null, null);
        var portText = spec.Text("port", required: spec.Exists);
        if (portText is not null)
        {
            if (portText.Length > 0 && portText.All(char.IsAsciiDigit))
            {
                if (int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is > 0 and <= 65535)
                {
                    port = new ServerPortRef(number, null);
                }
                else
                {
                    spec.Error("port", $"{portText} is out of range 1..65535");
                }
            }
            else if (portText.Length <= 15 && PortName().IsMatch(portText) && portText.Any(char.IsAsciiLetter))
            {
                port = new ServerPortRef(null, portText);
            }
            else
            {
                spec.Error("port", $"'{portText}' is neither a port number 1..65535 nor a port name (lowercase letters, digits and '-', at most 15 characters)");
            }
        }

        var protocol = spec.Text("proxyProtocol") ?? "unknown";
        if (!ProxyProtocols.Contains(protocol))
        {
            spec.Error("proxyProtocol", $"'{protocol}' is not one of: {string.Join(", ", ProxyProtocols)}");
        }

        var access = spec.Text("accessPolicy") ?? DefaultInboundPolicies.Deny;
        if (!DefaultInboundPolicies.IsKnown(access))
        {
            spec.Error("accessPolicy", DefaultInboundPolicies.Unknown(access));
        }

        spec.RejectUnknown();
        return new ServerSpec(selector, port, protocol, access);
    }

    private static LabelSelector ParseLabelSelector(YamlMap map)
    {
        var labels = map.StringMap("matchLabels");
        var expressions = new List<LabelSelectorRequirement>();
        var items = map.Sequence("matchExpressions");
        for (var i = 0; i < items.Count; i++)
        {
            var item = map.Item(items[i], "matchExpressions", i);
            var key = item.Text("key", required: true);
            var op = item.Text("operator", required: true);
            var values = item.StringList("values");
            if (op is not null && !LabelSelector.Operators.Contains(op))
            {
                item.Error("operator", $"'{op}' is not one of: {string.Join(", ", LabelSelector.Operators)}");
            }
            else if (op is "In" or "NotIn" && values.Count == 0)
            {
                item.Error("values", $"must list at least one value for operator {op}");
            }
            else if (op is "Exists" or "DoesNotExist" && values.Count > 0)
            {
                item.Error("values", $"must be empty for operator {op}");
            }

            item.RejectUnknown();
            if (key is not null && op is not null)
            {
                expressions.Add(new LabelSelectorRequirement(key, op, values));
            }
        }

        map.RejectUnknown();
        return new LabelSelector(labels, expressions);
    }

    internal static AuthorizationPolicySpec ParseAuthorizationPolicySpec(YamlMap spec, string ns)
    {
        var target = new PolicyTargetRef("", "", "");
        var targetMap = spec.Map("targetRef");
        if (!targetMap.Exists)
        {
            if (spec.Exists)
            {
                spec.Error("targetRef", "is required (a Server, or the policy's own Namespace)");
            }
        }
        else
        {
            var group = targetMap.Text("group") ?? "";
            var kind = targetMap.Text("kind", required: true);
            var name = targetMap.Text("name", required: true);
            switch (kind)
            {
                case null:
                    break;
                case ServerResource.KindName when group != PolicyGroup:
                    targetMap.Error("group", $"'{group}' is not the group of Server (expected {PolicyGroup})");
                    break;
                case "Namespace" when group is not ("" or "core"):
                    targetMap.Error("group", $"'{group}' is not the group of Namespace (expected the core group: leave it empty)");
                    break;
                case "Namespace" when name is not null && name != ns:
                    targetMap.Error("name", $"a policy may only target its own namespace ('{ns}'), not '{name}'");
                    break;
                case ServerResource.KindName or "Namespace":
                    break;
                case "HTTPRoute" or "GRPCRoute":
                    targetMap.Error("kind", $"'{kind}' is not supported yet: authorize a Server (per-route authorization is not implemented)");
                    break;
                default:
                    targetMap.Error("kind", $"'{kind}' is not a kind a policy can target (known: Server, Namespace)");
                    break;
            }

            targetMap.RejectUnknown();
            target = new PolicyTargetRef(group is "core" ? "" : group, kind ?? "", name ?? "");
        }

        var refs = new List<AuthenticationRef>();
        var items = spec.Sequence("requiredAuthenticationRefs");
        int meshTls = 0, network = 0, serviceAccounts = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var item = spec.Item(items[i], "requiredAuthenticationRefs", i);
            var group = item.Text("group") ?? "";
            var kind = item.Text("kind", required: true);
            var name = item.Text("name", required: true);
            var refNamespace = item.Text("namespace") ?? ns;
            switch (kind)
            {
                case null:
                    break;
                case MeshTlsAuthenticationResource.KindName or NetworkAuthenticationResource.KindName when group != PolicyGroup:
                    item.Error("group", $"'{group}' is not the group of {kind} (expected {PolicyGroup})");
                    break;
                case MeshTlsAuthenticationResource.KindName when ++meshTls > 1:
                    item.Error("kind", "only one MeshTLSAuthentication may be required (list more identities in it instead)");
                    break;
                case NetworkAuthenticationResource.KindName when ++network > 1:
                    item.Error("kind", "only one NetworkAuthentication may be required (list more networks in it instead)");
                    break;
                case "ServiceAccount" when group is not ("" or "core"):
                    item.Error("group", $"'{group}' is not the group of ServiceAccount (expected the core group: leave it empty)");
                    break;
                case "ServiceAccount":
                    serviceAccounts++;
                    break;
                case MeshTlsAuthenticationResource.KindName or NetworkAuthenticationResource.KindName:
                    break;
                default:
                    item.Error("kind", $"'{kind}' is not an authentication kind (known: MeshTLSAuthentication, NetworkAuthentication, ServiceAccount)");
                    break;
            }

            if (!IsDnsLabel(refNamespace))
            {
                item.Error("namespace", $"'{refNamespace}' must be a lowercase DNS label");
            }

            item.RejectUnknown();
            if (kind is not null && name is not null)
            {
                refs.Add(new AuthenticationRef(group is "core" ? "" : group, kind, name, refNamespace));
            }
        }

        if (meshTls > 0 && serviceAccounts > 0)
        {
            // Both would be identity requirements, ANDed: a client cannot have two identities.
            spec.Error("requiredAuthenticationRefs", "cannot require both a MeshTLSAuthentication and ServiceAccounts: list the service accounts in the MeshTLSAuthentication's identityRefs");
        }

        spec.RejectUnknown();
        return new AuthorizationPolicySpec(target, refs);
    }

    internal static MeshTlsAuthenticationSpec ParseMeshTlsSpec(YamlMap spec, string ns)
    {
        var identities = spec.StringList("identities");
        for (var i = 0; i < identities.Count; i++)
        {
            if (!IdentityPattern.TryParse(identities[i], out _, out var error))
            {
                spec.Error($"identities[{i}]", error);
            }
        }

        var refs = new List<IdentityRef>();
        var items = spec.Sequence("identityRefs");
        for (var i = 0; i < items.Count; i++)
        {
            var item = spec.Item(items[i], "identityRefs", i);
            var group = item.Text("group") ?? "";
            var kind = item.Text("kind", required: true);
            var name = item.Text("name");
            var refNamespace = item.Text("namespace") ?? ns;
            if (group is not ("" or "core"))
            {
                item.Error("group", $"'{group}' is not the group of {kind} (expected the core group: leave it empty)");
            }

            switch (kind)
            {
                case null or "ServiceAccount":
                    break;
                case "Namespace" when name is null:
                    item.Error("name", "is required for a Namespace");
                    break;
                case "Namespace":
                    break;
                default:
                    item.Error("kind", $"'{kind}' is not an identity kind (known: ServiceAccount, Namespace)");
                    break;
            }

            if (name is not null && !IsDnsLabel(name))
            {
                item.Error("name", $"'{name}' must be a lowercase DNS label");
            }

            if (!IsDnsLabel(refNamespace))
            {
                item.Error("namespace", $"'{refNamespace}' must be a lowercase DNS label");
            }

            item.RejectUnknown();
            if (kind is not null)
            {
                refs.Add(kind == "Namespace" ? new IdentityRef(kind, name, name ?? refNamespace) : new IdentityRef(kind, name, refNamespace));
            }
        }

        if (spec.Exists && identities.Count == 0 && refs.Count == 0 && spec.Node("identities") is null && spec.Node("identityRefs") is null)
        {
            spec.Error("identities", "list identities or identityRefs (use ['*'] for any authenticated client)");
        }

        spec.RejectUnknown();
        return new MeshTlsAuthenticationSpec(identities, refs);
    }

    internal static NetworkAuthenticationSpec ParseNetworkSpec(YamlMap spec)
    {
        var networks = new List<NetworkRule>();
        var items = spec.Sequence("networks");
        if (spec.Exists && items.Count == 0)
        {
            spec.Error("networks", "must list at least one network");
        }

        for (var i = 0; i < items.Count; i++)
        {
            var item = spec.Item(items[i], "networks", i);
            var cidr = item.Text("cidr", required: true);
            var except = item.StringList("except");
            IPNetwork? network = null;
            if (cidr is not null)
            {
                network = ParseCidr(item, "cidr", cidr);
            }

            for (var e = 0; e < except.Count; e++)
            {
                if (ParseCidr(item, $"except[{e}]", except[e]) is { } excluded && network is { } outer
                    && (!outer.Contains(excluded.BaseAddress) || excluded.PrefixLength < outer.PrefixLength))
                {
                    item.Error($"except[{e}]", $"'{except[e]}' is not inside {cidr}");
                }
            }

            item.RejectUnknown();
            if (cidr is not null)
            {
                networks.Add(new NetworkRule(cidr, except));
            }
        }

        spec.RejectUnknown();
        return new NetworkAuthenticationSpec(networks);
    }

    private static IPNetwork? ParseCidr(YamlMap map, string key, string text)
    {
        if (IPNetwork.TryParse(text, out var network))
        {
            return network;
        }

        if (IPAddress.TryParse(text, out var address))
        {
            return new IPNetwork(address, address.GetAddressBytes().Length * 8);
        }

        map.Error(key, $"'{text}' is not a CIDR such as 10.0.0.0/8 (with no host bits set) or an IP address");
        return null;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex PortName();
}
