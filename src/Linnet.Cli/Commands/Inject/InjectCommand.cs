using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Linnet.Cli.Commands.Apply;
using Linnet.ControlPlane.Core.Identity;
using Linnet.Cli.Commands.Install;
using Linnet.Platform.Kubernetes.Injection;
using Linnet.Platform.Kubernetes.Install;

namespace Linnet.Cli.Commands.Inject;

/// <summary>Builds <c>linnet inject</c>: adds the proxy to every workload of manifest files, as
/// <c>linkerd inject --manual</c> does, with the mutation the admission webhook applies.</summary>
internal static class InjectCommand
{
    public static Command Create()
    {
        var defaults = new InstallOptions();
        var files = new Argument<string[]>("files") { Description = "Manifest files or folders (- for standard input).", Arity = ArgumentArity.OneOrMore };
        var anchors = new Option<string>("--identity-trust-anchors-file") { Description = "The mesh's trust anchors (PEM), embedded in every proxy: the ca.crt of the linnet-identity-trust-anchor Secret.", Required = true };
        var proxyImage = new Option<string>("--proxy-image") { Description = "The proxy's image.", DefaultValueFactory = _ => defaults.ProxyImage };
        var initImage = InjectionFlags.InitImage();
        var defaultPolicy = InjectionFlags.DefaultInboundPolicy("The install's default inbound policy (linnet install --default-inbound-policy), written into the config of proxies whose pod and namespace set none.");
        var trustDomain = new Option<string>("--identity-trust-domain") { Description = "The trust domain of workload identities.", DefaultValueFactory = _ => defaults.TrustDomain };
        var command = new Command("inject", "Add the Linnet proxy to the workloads of Kubernetes manifests and print them (linkerd.io/inject and config.linkerd.io/* annotations honoured).")
        {
            files, anchors, proxyImage, initImage, defaultPolicy, trustDomain,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var domain = parse.GetValue(trustDomain)!;
            if (!SpiffeId.IsName(domain))
            {
                await Console.Error.WriteLineAsync($"error: --identity-trust-domain: '{domain}' is not a valid trust domain");
                return ExitCodes.Invalid;
            }

            if ((InjectionFlags.ImageError("--init-image", parse.GetValue(initImage)!) ?? InjectionFlags.PolicyError(parse.GetValue(defaultPolicy)!)) is { } flagError)
            {
                await Console.Error.WriteLineAsync($"error: {flagError}");
                return ExitCodes.Invalid;
            }

            var anchorsFile = parse.GetValue(anchors)!;
            string pem;
            try
            {
                pem = await File.ReadAllTextAsync(anchorsFile, cancellationToken);
                var bundle = new X509Certificate2Collection();
                bundle.ImportFromPem(pem);
                if (bundle.Count == 0)
                {
                    throw new CryptographicException("it holds no PEM certificate");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
            {
                await Console.Error.WriteLineAsync($"error: --identity-trust-anchors-file {anchorsFile}: {ex.Message}");
                return ExitCodes.Invalid;
            }

            List<(string Source, string Text)> inputs;
            try
            {
                inputs = await ApplyHandler.ReadAsync(parse.GetValue(files)!, Console.In, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}");
                return ExitCodes.Invalid;
            }

            var settings = new InjectionSettings(parse.GetValue(proxyImage)!, domain, pem) { InitImage = parse.GetValue(initImage)!, DefaultInboundPolicy = parse.GetValue(defaultPolicy)! };
            var outputs = new List<string>();
            var failed = false;
            foreach (var (source, text) in inputs)
            {
                var result = ManifestInjector.Inject(text, source, settings);
                foreach (var line in result.Report)
                {
                    await Console.Error.WriteLineAsync($"{source}: {line}");
                }

                foreach (var error in result.Errors)
                {
                    await Console.Error.WriteLineAsync($"error: {error}");
                }

                failed |= result.Errors.Count > 0;
                outputs.Add(result.Output);
            }

            // Nothing is printed unless every input could be injected: a partial stream piped to kubectl would
            // apply some workloads injected and silently drop the others.
            if (failed)
            {
                return ExitCodes.Invalid;
            }

            await Console.Out.WriteAsync(string.Concat(outputs).AsMemory(), cancellationToken);
            return ExitCodes.Ok;
        });
        return command;
    }
}
