using System.Globalization;
using System.Net;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using Linnet.Api.Validation;
using Linnet.Api.Yaml;

namespace Linnet.Proxy.Configuration;

/// <summary>Loads the proxy's YAML config file (schema in <c>docs/proxy-config.md</c>), validating every
/// field and naming each one at fault.</summary>
public static partial class ConfigFileLoader
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

        controlPlane.RejectUnknown();

        var bootstrap = new BootstrapConfig
        {
            Workload = new WorkloadInfo(ns, name, pod),
            InboundListen = inboundListen,
            OutboundListen = outboundListen,
            AdminListen = adminListen,
            AppHost = appHost,
            AppPort = appPort,
            InboundOpaquePorts = inboundOpaque,
            OutboundOpaquePorts = outboundOpaque,
            DetectTimeout = root.Duration("detectTimeout") ?? defaults.DetectTimeout,
            DrainTimeout = root.Duration("drainTimeout") ?? defaults.DrainTimeout,
            ConnectTimeout = root.Duration("connectTimeout") ?? defaults.ConnectTimeout,
            TransparentMode = root.Bool("transparent") ?? defaults.TransparentMode,
            ControlPlaneAddress = controlPlaneAddress,
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
            var routes = ParseRoutes(map, errors, routeRefs);
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
            map.RejectUnknown();
            if (address is null)
            {
                continue;
            }

            if (TrySplitHostPort(address, out var host, out var port))
            {
                endpoints.Add(new EndpointConfig(host, port, weight));
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
