using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.LoadTesting;
using Linnet.ControlPlane.Security;

namespace Linnet.Cli.Commands.LoadTester;

/// <summary>Builds <c>linnet loadtester</c>: a load tester speaking flagger-loadtester's API (docs/progressive-delivery.md),
/// run as a Workload behind a Service (<c>flagger-loadtester</c> in the canary's namespace) so Flagger's
/// <c>http://flagger-loadtester.test/</c> webhooks reach it unchanged.</summary>
internal static class LoadTesterCommand
{
    public static Command Create()
    {
        var listen = new Option<string?>("--listen") { Description = "Address:port to listen on (default: the instance's HOST or LINNET_INSTANCE_IP, else 127.0.0.1, and PORT, else 8080)." };
        var keyFile = new Option<string?>("--signing-key-file") { Description = "The control plane's shared webhook key (webhook-signing-key in its data directory): lets an operator send it as a bearer token, and checks the calls' v1 signature when no public key is given. Default without a public key: webhook-signing-key in --data-dir." };
        var publicKeyFile = new Option<string?>("--public-key-file") { Description = "The control plane's public webhook key (webhook-signing-ecdsa.pub in its data directory). Default: the LINNET_WEBHOOK_PUBLIC_KEY variable every workload is started with. Calls that start load or move gates must carry its es256 signature." };
        var timeout = new Option<string>("--timeout") { Description = "Bound on each load test (flagger-loadtester's --timeout).", DefaultValueFactory = _ => "1h" };
        var namespaces = new Option<string?>("--namespace-regexp") { Description = "Serve only canaries in namespaces matching this regular expression." };
        var command = new Command("loadtester", "Run a load tester that speaks flagger-loadtester's API (hey load tests, gates).") { listen, keyFile, publicKeyFile, timeout, namespaces };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var endPointText = parse.GetValue(listen)
                ?? $"{Environment.GetEnvironmentVariable("HOST") ?? Environment.GetEnvironmentVariable("LINNET_INSTANCE_IP") ?? "127.0.0.1"}:{Environment.GetEnvironmentVariable("PORT") ?? "8080"}";
            if (!IPEndPoint.TryParse(endPointText, out var endPoint))
            {
                await Console.Error.WriteLineAsync($"error: --listen '{endPointText}' is not address:port");
                return ExitCodes.Invalid;
            }

            if (!GoDuration.TryParse(parse.GetValue(timeout)!, out var bound) || bound <= TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync($"error: --timeout '{parse.GetValue(timeout)}' is not a duration (such as 30m)");
                return ExitCodes.Invalid;
            }

            Regex? allowed = null;
            if (parse.GetValue(namespaces) is { } pattern)
            {
                try
                {
                    allowed = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
                }
                catch (ArgumentException ex)
                {
                    await Console.Error.WriteLineAsync($"error: --namespace-regexp: {ex.Message}");
                    return ExitCodes.Invalid;
                }
            }

            System.Security.Cryptography.ECDsa? publicKey;
            WebhookSigningKey? shared = null;
            try
            {
                publicKey = parse.GetValue(publicKeyFile) is { } publicPath
                    ? WebhookSigningKey.ReadPublicKey(File.Exists(publicPath) ? await File.ReadAllTextAsync(publicPath, cancellationToken) : throw new ControlPlaneConfigurationException($"the public key file {publicPath} does not exist"), publicPath)
                    : Environment.GetEnvironmentVariable(WebhookSigningKey.PublicKeyVariable) is { Length: > 0 } variable
                        ? WebhookSigningKey.ReadPublicKey(variable, WebhookSigningKey.PublicKeyVariable)
                        : null;
                if (parse.GetValue(keyFile) is { } sharedPath)
                {
                    shared = WebhookSigningKey.Load(sharedPath);
                }
                else if (publicKey is null)
                {
                    shared = WebhookSigningKey.Load(Path.Combine(parse.GetValue(CliOptions.DataDir)!, WebhookSigningKey.FileName));
                }
            }
            catch (ControlPlaneConfigurationException ex)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return ExitCodes.Invalid;
            }

            await using var app = LoadTesterServer.Create(new LoadTesterOptions(endPoint, shared?.Key) { PublicKey = publicKey, TaskTimeout = bound, Namespaces = allowed });
            await app.StartAsync(cancellationToken);
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"loadtester: listening on http://{endPoint}/"));
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            await app.StopAsync(CancellationToken.None);
            return ExitCodes.Ok;
        });
        return command;
    }
}
