using System.CommandLine;
using Linnet.Proxy;
using Linnet.Proxy.Configuration;

// The config comes from a file, or (in a Kubernetes pod, where injection writes it) from this variable.
const string ConfigVariable = "LINNET_PROXY_CONFIG";
const string ForwarderVariable = "LINNET_PROXY_HTTP1_FORWARDER";
var configOption = new Option<FileInfo?>("--config", "-c")
{
    Description = $"Path of the proxy's YAML config (schema: docs/proxy-config.md); without it, the YAML in ${ConfigVariable}.",
};
var validateOption = new Option<bool>("--validate")
{
    Description = "Check the config, print what is wrong, and exit without serving.",
};
var root = new RootCommand("linnet-proxy: the Linnet sidecar proxy (inbound 4143, outbound 4140, admin 4191).")
{
    configOption,
    validateOption,
    Linnet.Proxy.ProxyInit.ProxyInitCommand.Create(),
};
root.SetAction(async (parse, cancellationToken) =>
{
    var file = parse.GetValue(configOption);
    var fromVariable = file is null ? Environment.GetEnvironmentVariable(ConfigVariable) : null;
    if (file is null && string.IsNullOrWhiteSpace(fromVariable))
    {
        await Console.Error.WriteLineAsync($"give --config FILE, or the config's YAML in ${ConfigVariable}");
        return 2;
    }

    var source = file?.FullName ?? $"${ConfigVariable}";
    BootstrapConfig bootstrap;
    IReadOnlyList<ServiceConfig> services;
    try
    {
        (bootstrap, services) = file is not null ? ConfigFileLoader.LoadFile(file.FullName) : ConfigFileLoader.Parse(fromVariable!, source);
    }
    catch (ConfigException ex)
    {
        await Console.Error.WriteLineAsync(ex.Message);
        return 2;
    }

    // Which forward path plaintext HTTP/1.1 hops take (docs/architecture.md): the fast one, or YARP's.
    switch (Environment.GetEnvironmentVariable(ForwarderVariable))
    {
        case null or "" or "fast":
            break;
        case "yarp":
            bootstrap = bootstrap with { FastHttp1Forwarder = false };
            break;
        case var other:
            await Console.Error.WriteLineAsync($"${ForwarderVariable} must be fast or yarp, not '{other}'");
            return 2;
    }

    if (parse.GetValue(validateOption))
    {
        await Console.Out.WriteLineAsync(bootstrap.ControlPlaneAddress is { } controlPlane
            ? $"config {source} is valid: services from the control plane at {controlPlane}"
            : $"config {source} is valid: {services.Count} services");
        return 0;
    }

    // With a control plane, the host subscribes to it; otherwise the file's services are the config.
    // A fixed seed makes the data path's random choices (splits, faults, mirrors) repeatable, for tests.
    var seed = Environment.GetEnvironmentVariable("LINNET_PROXY_RANDOM_SEED");
    Random? random = int.TryParse(seed, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var s)
        ? new Linnet.Proxy.Resilience.SynchronizedRandom(s)
        : null;
    await using var host = ProxyHost.Create(bootstrap, bootstrap.ControlPlaneAddress is null ? new StaticProxyConfigProvider(services, bootstrap.DefaultInboundPolicy) : null, random: random);
    await host.RunAsync();
    return 0;
});
return await root.Parse(args).InvokeAsync();
