using System.Security.Cryptography;
using System.Text;
using Linnet.ControlPlane.Core.Identity;
using Linnet.Api.Security;

namespace Linnet.ControlPlane.Security;

/// <summary>The control plane's admin credential: a random bearer token, created on first start in the data
/// directory (owner-only file in an owner-only directory) where the CLI on the same host finds it. Only a
/// SHA-256 hash is compared, in constant time, so neither the length nor a prefix of the token leaks through
/// timing.</summary>
public sealed class AdminCredential
{
    /// <summary>The file name in the data directory.</summary>
    public const string FileName = "admin-token";

    private readonly byte[] _hash;

    private AdminCredential(string token, string? path)
    {
        Token = token;
        Path = path;
        _hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    /// <summary>The token itself, for a CLI hosted in the same process (the demo, tests). Never logged.</summary>
    public string Token { get; }

    /// <summary>Where the token is kept; null when it lives in memory only.</summary>
    public string? Path { get; }

    /// <summary>A token kept in memory only (a throwaway control plane).</summary>
    public static AdminCredential Ephemeral() => new(NewToken(), null);

    /// <summary>Reads the token at <paramref name="path"/>, or creates it (0600, its directory 0700) when absent.</summary>
    /// <exception cref="ControlPlaneConfigurationException">The file is readable by others than its owner, or empty.</exception>
    public static AdminCredential LoadOrCreate(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            IdentityFiles.EnsureDirectory(System.IO.Path.GetDirectoryName(path)!);
            IdentityFiles.WritePrivate(path, NewToken() + "\n");
        }

        if (!OwnerOnlyFile.IsOwnerOnly(path))
        {
            throw new ControlPlaneConfigurationException($"the admin credential {path} is readable or writable by others than its owner; run `chmod 600 {path}` (or delete it to get a new one)");
        }

        var token = File.ReadAllText(path).Trim();
        return token.Length >= 32
            ? new AdminCredential(token, path)
            : throw new ControlPlaneConfigurationException($"the admin credential {path} is empty or shorter than 32 characters; delete it to get a new one");
    }

    /// <summary>Whether <paramref name="presented"/> is this credential (constant time).</summary>
    public bool Matches(string? presented)
    {
        if (presented is null)
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);
        return CryptographicOperations.FixedTimeEquals(hash, _hash);
    }

    private static string NewToken() => "linnet-admin-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
