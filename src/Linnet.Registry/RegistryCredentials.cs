using System.Text;
using System.Text.Json;
using Linnet.Api.Security;

namespace Linnet.Registry;

/// <summary>A user name and password (or token) for one registry. <see cref="ToString"/> never shows the password.</summary>
/// <param name="Username">The user.</param>
/// <param name="Password">The password or access token.</param>
public sealed record RegistryCredentials(string Username, string Password)
{
    /// <summary>The value of a <c>Basic</c> Authorization header.</summary>
    internal string BasicParameter => Convert.ToBase64String(Encoding.UTF8.GetBytes(Username + ":" + Password));

    /// <summary>Reads the credentials for <paramref name="registry"/> from a Docker config file
    /// (<c>{"auths":{"host:port":{"auth":"base64(user:password)"}}}</c> or <c>username</c>/<c>password</c>): the
    /// format of <c>~/.docker/config.json</c> and of a Kubernetes <c>dockerconfigjson</c> pull secret. The file
    /// must pass <see cref="OwnerOnlyFile"/> (0600, or 0440 of the process's own group as a Kubernetes Secret is mounted); null when it names no entry for the registry.</summary>
    public static RegistryCredentials? FromDockerConfig(string path, string registry)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(registry);
        if (!File.Exists(path))
        {
            throw new RegistryException($"credentials file {path} does not exist");
        }

        if (!OwnerOnlyFile.IsOwnerOnly(path))
        {
            throw new RegistryException($"credentials file {path} must be readable by its owner only ({OwnerOnlyFile.Modes})");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            throw new RegistryException($"credentials file {path} is not JSON (line {ex.LineNumber + 1})");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("auths", out var auths) || auths.ValueKind != JsonValueKind.Object)
            {
                throw new RegistryException($"credentials file {path}: expected a Docker config with an \"auths\" object");
            }

            foreach (var entry in auths.EnumerateObject())
            {
                if (!SameRegistry(entry.Name, registry))
                {
                    continue;
                }

                return Read(entry.Value, path, entry.Name);
            }
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => $"RegistryCredentials {{ Username = {Username}, Password = *** }}";

    private static RegistryCredentials Read(JsonElement entry, string path, string name)
    {
        if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("auth", out var auth) && auth.ValueKind == JsonValueKind.String)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth.GetString()!));
            }
            catch (FormatException)
            {
                throw new RegistryException($"credentials file {path}: auths.{name}.auth is not base64");
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new RegistryException($"credentials file {path}: auths.{name}.auth must encode user:password");
            }

            return new RegistryCredentials(decoded[..colon], decoded[(colon + 1)..]);
        }

        if (entry.ValueKind == JsonValueKind.Object
            && entry.TryGetProperty("username", out var user) && user.ValueKind == JsonValueKind.String
            && entry.TryGetProperty("password", out var password) && password.ValueKind == JsonValueKind.String)
        {
            return new RegistryCredentials(user.GetString()!, password.GetString()!);
        }

        throw new RegistryException($"credentials file {path}: auths.{name} needs \"auth\" or \"username\" and \"password\"");
    }

    private static bool SameRegistry(string key, string registry)
    {
        // Docker writes keys as host:port or as a URL (https://index.docker.io/v1/).
        var host = key;
        if (Uri.TryCreate(key, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            host = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}";
        }

        return string.Equals(host.TrimEnd('/'), registry, StringComparison.OrdinalIgnoreCase)
            || (registry == ImageReference.DockerHub && host is "index.docker.io" or "registry-1.docker.io");
    }
}
