using System.CommandLine;
using Linnet.ControlPlane.Core.Identity;
using Linnet.Platform.Kubernetes.Install;

namespace Linnet.Cli.Commands.Install;

/// <summary>Builds <c>linnet install</c>: every Kubernetes manifest of the control plane, to pipe into
/// <c>kubectl apply -f -</c> (as <c>linkerd install</c>).</summary>
internal static class InstallCommand
{
    public static Command Create()
    {
        var defaults = new InstallOptions();
        var controlPlaneImage = new Option<string>("--control-plane-image") { Description = "The control plane's image.", DefaultValueFactory = _ => defaults.ControlPlaneImage };
        var proxyImage = new Option<string>("--proxy-image") { Description = "The proxy's image.", DefaultValueFactory = _ => defaults.ProxyImage };
        var initImage = InjectionFlags.InitImage();
        var defaultPolicy = InjectionFlags.DefaultInboundPolicy("The mesh's default inbound policy where a pod and its namespace set no config.linkerd.io/default-inbound-policy: all-unauthenticated, all-authenticated, deny or audit.");
        var trustDomain = new Option<string>("--identity-trust-domain") { Description = "The trust domain of workload identities.", DefaultValueFactory = _ => defaults.TrustDomain };
        var notificationsSecret = new Option<string?>("--notifications-secret") { Description = $"A Secret in the linnet namespace whose key {InstallOptions.NotificationsKey} is the control plane's --notifications-file (docs/notifications.md): where AlertProviders' secretRef and image-update notifications post. Create it before the control plane starts." };
        var command = new Command("install", "Print the Kubernetes manifests of Linnet (CRDs, namespace, RBAC, control plane, proxy injector, generated identity secrets); pipe them to `kubectl apply -f -`.")
        {
            controlPlaneImage, proxyImage, initImage, defaultPolicy, trustDomain, notificationsSecret,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var domain = parse.GetValue(trustDomain)!;
            if (!SpiffeId.IsName(domain))
            {
                await Console.Error.WriteLineAsync($"error: --identity-trust-domain: '{domain}' is not a valid trust domain");
                return ExitCodes.Invalid;
            }

            if ((InjectionFlags.ImageError("--init-image", parse.GetValue(initImage)!) ?? InjectionFlags.PolicyError(parse.GetValue(defaultPolicy)!)) is { } error)
            {
                await Console.Error.WriteLineAsync($"error: {error}");
                return ExitCodes.Invalid;
            }

            var secret = parse.GetValue(notificationsSecret);
            if (secret is not null && !Linnet.ControlPlane.Core.Manifests.ManifestParser.IsDnsSubdomain(secret))
            {
                await Console.Error.WriteLineAsync($"error: --notifications-secret: '{secret}' is not a Secret name: lower-case RFC 1123 labels separated by dots, at most 253 characters");
                return ExitCodes.Invalid;
            }

            var options = defaults with
            {
                ControlPlaneImage = parse.GetValue(controlPlaneImage)!,
                ProxyImage = parse.GetValue(proxyImage)!,
                InitImage = parse.GetValue(initImage)!,
                DefaultInboundPolicy = parse.GetValue(defaultPolicy)!,
                TrustDomain = domain,
                NotificationsSecret = secret,
            };
            var credentials = InstallCredentials.Generate(domain, TimeProvider.System);
            await Console.Out.WriteAsync(InstallManifests.Render(options, credentials).AsMemory(), cancellationToken);
            return ExitCodes.Ok;
        });
        return command;
    }
}
