using System.Security.Cryptography;
using Linnet.ControlPlane.Core.Identity;

namespace Linnet.ControlPlane.Security;

/// <summary>The key the control plane signs its canary webhook calls with (<see cref="Core.Rollouts.WebhookSignature"/>):
/// 32 random bytes, hex, in <c>webhook-signing-key</c> beside the admin credential (owner-only), where Linnet's load
/// tester on the same host reads it (<c>linnet loadtester --signing-key-file</c>). Never sent, never logged.</summary>
public sealed class WebhookSigningKey
{
    /// <summary>The file name in the data directory.</summary>
    public const string FileName = "webhook-signing-key";

    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                                              | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private WebhookSigningKey(byte[] key) => Key = key;

    /// <summary>The key.</summary>
    public byte[] Key { get; }

    /// <summary>A key kept in memory only (a throwaway control plane).</summary>
    public static WebhookSigningKey Ephemeral() => new(RandomNumberGenerator.GetBytes(32));

    /// <summary>Reads the key at <paramref name="path"/>, or creates it (0600, its directory 0700) when absent.</summary>
    /// <exception cref="ControlPlaneConfigurationException">The file is readable by others than its owner, or not a key.</exception>
    public static WebhookSigningKey LoadOrCreate(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            IdentityFiles.EnsureDirectory(Path.GetDirectoryName(path)!);
            IdentityFiles.WritePrivate(path, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) + "\n");
        }

        return Load(path);
    }

    /// <summary>Reads an existing key (the load tester's side).</summary>
    /// <exception cref="ControlPlaneConfigurationException">Missing, readable by others than its owner, or not a key.</exception>
    public static WebhookSigningKey Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new ControlPlaneConfigurationException($"the webhook signing key {path} does not exist (the control plane creates it in its data directory)");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & GroupOrOther) != 0)
        {
            throw new ControlPlaneConfigurationException($"the webhook signing key {path} is readable or writable by others than its owner; run `chmod 600 {path}`");
        }

        var text = File.ReadAllText(path).Trim();
        try
        {
            var key = Convert.FromHexString(text);
            return key.Length >= 32 ? new WebhookSigningKey(key) : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new ControlPlaneConfigurationException($"the webhook signing key {path} is not 64 or more hex digits; delete it to get a new one");
        }
    }
}
