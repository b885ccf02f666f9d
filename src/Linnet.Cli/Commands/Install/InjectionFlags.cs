using System.CommandLine;
using Linnet.Api.Policy;
using Linnet.Platform.Kubernetes.Injection;

namespace Linnet.Cli.Commands.Install;

/// <summary>The injection flags <c>linnet install</c>, <c>linnet inject</c> and <c>linnet control-plane --platform
/// kubernetes</c> share: one definition, one check each.</summary>
internal static class InjectionFlags
{
    /// <summary><c>--init-image</c>: the injected proxy-init's image (Linkerd's by default).</summary>
    public static Option<string> InitImage() => new("--init-image")
    {
        Description = "The image of the injected proxy-init container (linnet-init): Linkerd's proxy-init, or an image that takes its arguments.",
        DefaultValueFactory = _ => InjectionSettings.DefaultInitImage,
    };

    /// <summary><c>--default-inbound-policy</c>: Linkerd's <c>proxy.defaultInboundPolicy</c>.</summary>
    public static Option<string> DefaultInboundPolicy(string description) => new("--default-inbound-policy")
    {
        Description = description,
        DefaultValueFactory = _ => DefaultInboundPolicies.AllUnauthenticated,
    };

    /// <summary>Why <paramref name="image"/> given to <paramref name="flag"/> is refused; null when it is an image
    /// reference with a tag (<c>repository:tag</c>, what the injector and the annotations' overrides take apart).</summary>
    public static string? ImageError(string flag, string image)
    {
        if (!Linnet.Registry.ImageReference.TryParse(image, out var reference, out var reason))
        {
            return $"{flag}: {reason}";
        }

        // The reference reads a missing tag as latest: the text itself must name one.
        return reference.Digest is not null || image.LastIndexOf(':') < image.LastIndexOf('/') || !image.Contains(':', StringComparison.Ordinal)
            ? $"{flag}: '{image}' names no tag (give repository:tag; a digest is not supported)"
            : null;
    }

    /// <summary>Why <paramref name="policy"/> is refused as <c>--default-inbound-policy</c>; null when it is one of
    /// <see cref="DefaultInboundPolicies.All"/>.</summary>
    public static string? PolicyError(string policy) =>
        DefaultInboundPolicies.IsKnown(policy) ? null : $"--default-inbound-policy: {DefaultInboundPolicies.Unknown(policy)}";
}
