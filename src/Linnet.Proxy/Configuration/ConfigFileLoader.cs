using System.Globalization;
using System.Net;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using Linnet.Api.Policy;
using Linnet.Api.Validation;
using Linnet.Api.Yaml;
using Proto = Linnet.Api.Destination.V1;

namespace Linnet.Proxy.Configuration;

/// <summary>Loads the proxy's YAML config file (schema in <c>docs/proxy-config.md</c>), validating every
/// field and naming each one at fault.</summary>
internal static class ConfigFileLoader
{
    /// <summary>Reads and validates a config file.</summary>
    public static (BootstrapConfig Bootstrap, IReadOnlyList<ServiceConfig> Services) LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException ex)
        {
            throw new ConfigException($"cannot read config {path}: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ConfigException($"cannot read config {path}: {ex.Message}", ex);
        }

        return Parse(text, path);
    }

    /// <summary>Parses and validates config text; <paramref name="source"/> names it in errors.</summary>
    public static (BootstrapConfig Bootstrap, IReadOnlyList<ServiceConfig> Services) Parse(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new ConfigException($"invalid config {source}: YAML syntax error at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}", ex);
        }

        var errors = new List<FieldError>();
        var root = new YamlMap(stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null, "", errors);
        var defaults = new BootstrapConfig();

        var workload = root.Map("workload");
        var ns = workload.Text("namespace") ?? defaults.Workload.Namespace;
        var name = workload.Text("name") ?? defaults.Workload.Name;
        var pod = workload.Text("pod") ?? defaults.Workload.Pod;
        workload.RejectUnknown();

        var inbound = root.Map("inbound");
        var inboundListen = inbound.EndPoint("listen") ?? defaults.InboundListen;
        var appHost = inbound.Text("appHost") ?? defaults.AppHost;
        var appPort = inbound.Number("appPort", 1, 65535) ?? defaults.AppPort;
        var appPorts = inbound.Ports("ports");
        if (appPorts.Count > 0 && inbound.Node("appPort") is not null && !appPorts.Contains(appPort))
        {
            errors.Add(new FieldError(inbound.Child("appPort"), $"{appPort} is not one of inbound.ports"));
        }

        var inboundOpaque = inbound.Ports("opaquePorts");
        var defaultPolicy = DefaultPolicy(inbound) ?? defaults.DefaultInboundPolicy;
        inbound.RejectUnknown();

        var outbound = root.Map("outbound");
        var outboundListen = outbound.EndPoint("listen") ?? defaults.OutboundListen;
        var outboundOpaque = outbound.Ports("opaquePorts");
        outbound.RejectUnknown();

        var admin = root.Map("admin");
        var adminListen = admin.EndPoint("listen") ?? defaults.AdminListen;
        admin.RejectUnknown();

        var controlPlane = root.Map("controlPlane");
        var controlPlaneAddress = controlPlane.Text("address", required: controlPlane.Exists);
        if (controlPlaneAddress is not null && !TrySplitHostPort(controlPlaneAddress, out _, out _))
        {
            errors.Add(new FieldError(controlPlane.Child("address"), $"'{controlPlaneAddress}' is not host:port"));
            controlPlaneAddress = null;
        }

        var controlPlaneIdentity = controlPlane.Text("identity");
        if (controlPlaneIdentity is not null && !IsSpiffeId(controlPlaneIdentity))
        {
            errors.Add(new FieldError(controlPlane.Child("identity"), $"'{controlPlaneIdentity}' is not spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>"));
        }

        controlPlane.RejectUnknown();
        var (identity, inboundTls) = ParseIdentity(root, controlPlaneAddress, errors);
        if (controlPlane.Exists && !root.Map("identity").Exists)
        {
            // The control plane is reached over TLS only, and proved against the trust anchors.
            errors.Add(new FieldError("identity", "required when controlPlane is set: its trust anchors verify the control plane's certificate"));
        }

        var bootstrap = new BootstrapConfig
        {
            Workload = new WorkloadInfo(ns, name, pod),
            InboundListen = inboundListen,
            OutboundListen = outboundListen,
            AdminListen = adminListen,
            AppHost = appHost,
            AppPort = appPort,
            AppPorts = appPorts,
            InboundOpaquePorts = inboundOpaque,
            DefaultInboundPolicy = defaultPolicy,
            OutboundOpaquePorts = outboundOpaque,
            DetectTimeout = root.Duration("detectTimeout") ?? defaults.DetectTimeout,
            DrainTimeout = root.Duration("drainTimeout") ?? defaults.DrainTimeout,
            ConnectTimeout = root.Duration("connectTimeout") ?? defaults.ConnectTimeout,
            TransparentMode = root.Bool("transparent") ?? defaults.TransparentMode,
            ControlPlaneAddress = controlPlaneAddress,
            ControlPlaneIdentity = controlPlaneIdentity,
            Identity = identity,
            InboundTls = inboundTls,
        };

        var services = ParseServices(root, errors);
        if (controlPlane.Exists && root.Node("services") is YamlSequenceNode { Children.Count: > 0 })
        {
            errors.Add(new FieldError("services", "must be empty when controlPlane is set: services come from the control plane"));
        }

        root.RejectUnknown();

        if (errors.Count > 0)
        {
            throw new ConfigException(source, errors);
        }

        return (bootstrap, services);
    }

    /// <summary>The <c>identity:</c> section and <c>inboundTls</c>: where the certificate comes from (the CA with a
    /// token, or fixed files) and the trust anchors. Anchor files are read now, so that a missing one is a config
    /// error; the token file is read at each renewal, so it may be written after the proxy starts.</summary>
    private static (IdentityBootstrapConfig? Identity, InboundTlsMode InboundTls) ParseIdentity(YamlMap root, string? controlPlaneAddress, List<FieldError> errors)
    {
        var section = root.Map("identity");
        var tlsText = root.Text("inboundTls");
        var inboundTls = InboundTlsMode.Permissive;
        switch (tlsText)
        {
            case null or "permissive":
                break;
            case "strict":
                inboundTls = InboundTlsMode.Strict;
                if (!section.Exists)
                {
                    errors.Add(new FieldError("inboundTls", "strict needs an identity section: without a certificate no peer could connect"));
                }

                break;
            default:
                errors.Add(new FieldError("inboundTls", $"'{tlsText}' is not one of: strict, permissive"));
                break;
        }

        if (!section.Exists)
        {
            return (null, inboundTls);
        }

        var name = section.Text("name", required: true);
        if (name is not null && !IsSpiffeId(name))
        {
            section.Error("name", $"'{name}' is not spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>");
        }

        var anchorsPem = section.Text("trustAnchorsPem");
        var anchorsFile = section.Text("trustAnchorsFile");
        if (anchorsPem is null && anchorsFile is null)
        {
            section.Error("trustAnchorsPem", "required (or trustAnchorsFile): the roots peers' certificates must chain to");
        }
        else if (anchorsPem is not null && anchorsFile is not null)
        {
            section.Error("trustAnchorsFile", "give trustAnchorsPem or trustAnchorsFile, not both");
        }
        else if (anchorsFile is not null)
        {
            try
            {
                anchorsPem = File.ReadAllText(anchorsFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                section.Error("trustAnchorsFile", $"cannot read {anchorsFile}: {ex.Message}");
            }
        }

        if (anchorsPem is not null && !HoldsCertificate(anchorsPem))
        {
            section.Error(anchorsFile is null ? "trustAnchorsPem" : "trustAnchorsFile", "holds no PEM certificate");
        }

        var caAddress = section.Text("caAddress");
        var tokenFile = section.Text("tokenFile");
        var certificateFile = section.Text("certificateFile");
        var keyFile = section.Text("keyFile");
        if (caAddress is not null && !TrySplitHostPort(caAddress, out _, out _))
        {
            section.Error("caAddress", $"'{caAddress}' is not host:port");
        }

        if (certificateFile is not null || keyFile is not null)
        {
            if (certificateFile is null || keyFile is null)
            {
                section.Error(certificateFile is null ? "certificateFile" : "keyFile", "certificateFile and keyFile go together");
            }

            if (tokenFile is not null)
            {
                section.Error("tokenFile", "give tokenFile (certificates from the CA) or certificateFile and keyFile (a fixed certificate), not both");
            }
        }
        else if (tokenFile is null)
        {
            section.Error("tokenFile", "required (or certificateFile and keyFile): the token that proves the identity to the CA");
        }
        else if (caAddress is null && controlPlaneAddress is null)
        {
            section.Error("caAddress", "required when controlPlane.address is not set: where to ask for certificates");
        }

        section.RejectUnknown();
        if (name is null || anchorsPem is null)
        {
            return (null, inboundTls);
        }

        return (new IdentityBootstrapConfig
        {
            Name = name,
            TrustAnchorsPem = anchorsPem,
            CaAddress = caAddress,
            TokenPath = tokenFile,
            CertificatePemPath = certificateFile,
            KeyPemPath = keyFile,
        }, inboundTls);
    }

    /// <summary><c>inbound.defaultPolicy</c>: one of Linkerd's default policies by the names the control plane takes
    /// (<see cref="DefaultInboundPolicies"/>, the one list of them), or null when not given.</summary>
    private static DefaultInboundPolicy? DefaultPolicy(YamlMap inbound)
    {
        var text = inbound.Text("defaultPolicy");
        if (text is null)
        {
            return null;
        }

        if (!DefaultInboundPolicies.IsKnown(text))
        {
            inbound.Error("defaultPolicy", DefaultInboundPolicies.Unknown(text));
            return null;
        }

        if (DefaultInboundPolicyNames.Parse(text) is { } policy)
        {
            return policy;
        }

        // A name the control plane knows and this proxy does not enforce: refused, never read as a looser one.
        inbound.Error("defaultPolicy", $"'{text}' is not enforced by this proxy");
        return null;
    }

    /// <summary>True for <c>spiffe://&lt;trust-domain&gt;/ns/&lt;ns&gt;/sa/&lt;sa&gt;</c>.</summary>
    public static bool IsSpiffeId(string name)
    {
        const string scheme = "spiffe://";
        if (!name.StartsWith(scheme, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = name[scheme.Length..].Split('/');
        return parts.Length == 5 && parts[1] == "ns" && parts[3] == "sa" && Array.TrueForAll(parts, p => p.Length > 0 && !p.Contains(':', StringComparison.Ordinal));
    }

    private static bool HoldsCertificate(string pem)
    {
        try
        {
            var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            certificates.ImportFromPem(pem);
            return certificates.Count > 0;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    private static List<ServiceConfig> ParseServices(YamlMap root, List<FieldError> errors)
    {
        var services = new List<ServiceConfig>();
        var messages = new List<(string Path, Proto.Service Message)>();
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        var authorities = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var localPorts = new Dictionary<int, string>();
        var items = root.Sequence("services");
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"services[{i}]";
            if (FormerShape(items[i], path) is { } former)
            {
                errors.Add(former);
                continue;
            }

            // The YAML form of the Destination API's Service message, converted by the one conversion the control
            // plane's stream takes too: whatever it cannot use refuses the file, with the field's path.
            var syntaxErrors = errors.Count;
            var message = ProtoYaml.Read<Proto.Service>(items[i], path, errors);
            if (errors.Count > syntaxErrors)
            {
                // What the mapper would say of a message read only in part would follow from these errors.
                continue;
            }

            var problems = new List<ConfigProblem>();
            var service = DestinationMapper.Map(message, problems);
            foreach (var problem in problems)
            {
                // The most specific problem only: a rule left out for want of a usable match, once its match was refused.
                if (!problems.Exists(other => other != problem && IsInside(other.Path, problem.Path)))
                {
                    errors.Add(new FieldError(problem.Path.Length == 0 ? path : $"{path}.{problem.Path}", problem.Reason));
                }
            }

            if (service is null)
            {
                continue;
            }

            messages.Add((path, message));
            Unique(keys, service.Key, $"{path}.key", errors);
            foreach (var host in service.Aliases.Prepend(service.Name))
            {
                Unique(authorities, $"{host}:{service.Port}", $"{path}.names", errors);
            }

            if (service.LocalPort is { } localPort)
            {
                Unique(localPorts, localPort, $"{path}.localPort", errors);
            }

            services.Add(service);
        }

        CheckServiceKeys(messages, keys, errors);
        return services;
    }

    private static bool IsInside(string path, string parent) =>
        path.Length > parent.Length && path.StartsWith(parent, StringComparison.Ordinal) && path[parent.Length] is '.' or '[';

    private static void Unique<T>(Dictionary<T, string> seen, T value, string path, List<FieldError> errors)
        where T : notnull
    {
        if (seen.TryGetValue(value, out var other))
        {
            errors.Add(new FieldError(path, $"'{value}' is already defined by {other}"));
        }
        else
        {
            seen[value] = path;
        }
    }

    /// <summary>Route backends and mirrors name services of the same file by key (the control plane's snapshot
    /// holds every service its routes name; a file must too).</summary>
    private static void CheckServiceKeys(List<(string Path, Proto.Service Message)> services, Dictionary<string, string> keys, List<FieldError> errors)
    {
        foreach (var (path, service) in services)
        {
            for (var r = 0; r < service.Routes.Count; r++)
            {
                var rules = service.Routes[r].Rules;
                for (var n = 0; n < rules.Count; n++)
                {
                    var at = $"{path}.routes[{r}].rules[{n}]";
                    for (var b = 0; b < rules[n].Backends.Count; b++)
                    {
                        KnownKey(keys, rules[n].Backends[b].ServiceKey, $"{at}.backends[{b}].serviceKey", errors);
                    }

                    if (rules[n].Mirror is { ServiceKey.Length: > 0 } mirror)
                    {
                        KnownKey(keys, mirror.ServiceKey, $"{at}.mirror.serviceKey", errors);
                    }
                }
            }
        }
    }

    private static void KnownKey(Dictionary<string, string> keys, string key, string path, List<FieldError> errors)
    {
        if (!keys.ContainsKey(key))
        {
            errors.Add(new FieldError(path, $"'{key}' is not the key of a service of this file"));
        }
    }

    /// <summary>The services of files written before the file became the Destination API's messages (issue 11):
    /// <c>name</c>/<c>aliases</c>, <c>address: host:port</c>, durations and names of codes. Refused with what to
    /// write instead, rather than read in a second shape.</summary>
    private static FieldError? FormerShape(YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            return null;
        }

        foreach (var (key, _) in map.Children)
        {
            if (key is YamlScalarNode { Value: "name" or "aliases" } former)
            {
                return new FieldError($"{path}.{former.Value}", FormerShapeReason);
            }
        }

        if (map.Children.TryGetValue(new YamlScalarNode("endpoints"), out var endpoints) && endpoints is YamlSequenceNode list)
        {
            for (var e = 0; e < list.Children.Count; e++)
            {
                if (list.Children[e] is YamlMappingNode endpoint
                    && endpoint.Children.TryGetValue(new YamlScalarNode("address"), out var address) && address is YamlScalarNode { Value: { } text }
                    && !endpoint.Children.ContainsKey(new YamlScalarNode("port")) && TrySplitHostPort(text, out _, out _))
                {
                    return new FieldError($"{path}.endpoints[{e}].address", $"'{text}' is host:port, the former shape of an endpoint: write address (the host) and port apart");
                }
            }
        }

        return null;
    }

    private const string FormerShapeReason = "the file's services are the Destination API's Service messages (the control plane sends the same): "
        + "write key (name:port), names, port, endpoints as { address, port, identity, meshed }, and durations in milliseconds; see docs/proxy-config.md";

    /// <summary>Splits <c>host:port</c> or <c>[v6]:port</c>.</summary>
    public static bool TrySplitHostPort(string address, out string host, out int port)
    {
        host = "";
        port = 0;
        ArgumentNullException.ThrowIfNull(address);
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = address[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
            return IPAddress.TryParse(host, out _);
        }

        return IsHostName(host) || IPAddress.TryParse(host, out _);
    }

    private static bool IsHostName(string name) =>
        name.Length is > 0 and <= 253 && Uri.CheckHostName(name) is UriHostNameType.Dns or UriHostNameType.IPv4;
}
