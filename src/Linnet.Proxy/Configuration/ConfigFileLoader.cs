using System.Globalization;
using System.Net;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using Linnet.Api.Validation;
using Linnet.Api.Yaml;

namespace Linnet.Proxy.Configuration;

/// <summary>Loads the proxy's YAML config file (schema in <c>docs/proxy-config.md</c>), validating every
/// field and naming each one at fault.</summary>
internal static partial class ConfigFileLoader
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

    private static bool IsSpiffeId(string name)
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
        var routeRefs = new List<(string Path, string Key)>();
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var localPorts = new Dictionary<int, string>();
        var items = root.Sequence("services");
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"services[{i}]";
            var map = new YamlMap(items[i], path, errors);
            var name = map.Text("name", required: true);
            if (name is not null && !IsHostName(name))
            {
                errors.Add(new FieldError(map.Child("name"), $"'{name}' is not a valid host name"));
            }

            var aliases = new List<string>();
            var aliasNodes = map.Sequence("aliases");
            for (var a = 0; a < aliasNodes.Count; a++)
            {
                if (aliasNodes[a] is YamlScalarNode { Value: { } alias } && IsHostName(alias))
                {
                    aliases.Add(alias);
                }
                else
                {
                    errors.Add(new FieldError($"{map.Child("aliases")}[{a}]", "must be a valid host name"));
                }
            }

            var port = map.Number("port", 1, 65535, required: true);
            var protocol = ParseProtocol(map, errors);
            var localPort = map.Number("localPort", 1, 65535);
            var endpoints = ParseEndpoints(map, errors);
            var routes = ParseRoutes(map, routeRefs);
            var retryBudget = ParseRetryBudget(map);
            var circuitBreaker = ParseCircuitBreaker(map);
            map.RejectUnknown();

            if (name is null || port is null)
            {
                continue;
            }

            foreach (var host in aliases.Prepend(name))
            {
                var key = $"{host}:{port}";
                if (seen.TryGetValue(key, out var other))
                {
                    errors.Add(new FieldError(path, $"'{key}' is already defined by {other}"));
                }
                else
                {
                    seen[key] = path;
                }
            }

            if (localPort is { } lp)
            {
                if (localPorts.TryGetValue(lp, out var other))
                {
                    errors.Add(new FieldError(map.Child("localPort"), $"{lp} is already used by {other}"));
                }
                else
                {
                    localPorts[lp] = path;
                }
            }

            services.Add(new ServiceConfig(name, aliases, port.Value, protocol, localPort, endpoints)
            {
                Routes = routes,
                RetryBudget = retryBudget,
                CircuitBreaker = circuitBreaker,
            });
        }

        CheckRouteRefs(services, routeRefs, errors);
        return services;
    }

    private static ServiceProtocol ParseProtocol(YamlMap map, List<FieldError> errors)
    {
        var text = map.Text("protocol");
        switch (text)
        {
            case null or "detect":
                return ServiceProtocol.Detect;
            case "opaque":
                return ServiceProtocol.Opaque;
            default:
                errors.Add(new FieldError(map.Child("protocol"), $"'{text}' is not one of: detect, opaque"));
                return ServiceProtocol.Detect;
        }
    }

    private static List<EndpointConfig> ParseEndpoints(YamlMap service, List<FieldError> errors)
    {
        var endpoints = new List<EndpointConfig>();
        var items = service.Sequence("endpoints");
        for (var i = 0; i < items.Count; i++)
        {
            var map = new YamlMap(items[i], $"{service.Child("endpoints")}[{i}]", errors);
            var address = map.Text("address", required: true);
            var weight = map.Number("weight", 0, 1_000_000) ?? 1;

            // A meshed endpoint: its proxy must present this identity, and is reached over mTLS.
            var identity = map.Text("identity");
            if (identity is not null && !IsSpiffeId(identity))
            {
                map.Error("identity", $"'{identity}' is not spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>");
                identity = null;
            }

            map.RejectUnknown();
            if (address is null)
            {
                continue;
            }

            if (TrySplitHostPort(address, out var host, out var port))
            {
                endpoints.Add(new EndpointConfig(host, port, weight) { Identity = identity });
            }
            else
            {
                errors.Add(new FieldError(map.Child("address"), $"'{address}' is not host:port"));
            }
        }

        return endpoints;
    }

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
