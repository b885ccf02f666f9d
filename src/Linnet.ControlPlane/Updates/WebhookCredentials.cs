using Linnet.Api.Security;
namespace Linnet.ControlPlane.Updates;

/// <summary>The Basic credentials registries must send to <c>/v1/webhooks/*</c> (Keel's webhook authentication;
/// a registry that cannot set headers puts them in the URL: <c>https://user:password@host/v1/webhooks/...</c>).
/// <see cref="ToString"/> never shows the password.</summary>
/// <param name="User">The user name.</param>
/// <param name="Password">The password.</param>
public sealed record WebhookCredentials(string User, string Password)
{
    /// <summary>Reads <c>user:password</c> from a file readable by its owner only (0600).</summary>
    public static WebhookCredentials FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        OwnerOnlyFile.Require(path);

        var text = File.ReadAllText(path).Trim();
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1 || text.Contains('\n', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{path} must hold one line, user:password");
        }

        return new WebhookCredentials(text[..colon], text[(colon + 1)..]);
    }

    /// <inheritdoc />
    public override string ToString() => $"WebhookCredentials {{ User = {User}, Password = *** }}";
}
