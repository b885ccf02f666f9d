using System.Security.Cryptography;
using Linnet.ControlPlane.Core.Identity;
using Linnet.Api.Security;

namespace Linnet.ControlPlane.Security;

/// <summary>The keys the control plane signs its canary webhook calls with (<see cref="Core.Rollouts.WebhookSignature"/>):
/// the shared key (32 random bytes, hex, in <c>webhook-signing-key</c> beside the admin credential, owner-only: the
/// <c>v1</c> HMAC, for receivers that hold it), and an ECDSA P-256 key pair (<c>webhook-signing-ecdsa.key</c>,
/// owner-only; the <c>es256</c> signature) whose public half is published where any uid can read it: the file
/// <c>webhook-signing-ecdsa.pub</c> (0644) and the variable <see cref="PublicKeyVariable"/> of every workload, which
/// is how an isolated load tester, running as a uid that cannot read the data directory, checks the calls.
/// Private keys are never sent, never logged.</summary>
public sealed class WebhookSigningKey
{
    /// <summary>The file name in the data directory.</summary>
    public const string FileName = "webhook-signing-key";

    /// <summary>The private ECDSA key's file name in the data directory (PKCS#8 PEM, 0600).</summary>
    public const string PrivateKeyFileName = "webhook-signing-ecdsa.key";

    /// <summary>The public ECDSA key's file name in the data directory (SubjectPublicKeyInfo PEM, 0644).</summary>
    public const string PublicKeyFileName = "webhook-signing-ecdsa.pub";

    /// <summary>The variable every workload's app is started with: the public key, base64 SubjectPublicKeyInfo.</summary>
    public const string PublicKeyVariable = "LINNET_WEBHOOK_PUBLIC_KEY";

    private WebhookSigningKey(byte[] key, ECDsa? signer = null)
    {
        Key = key;
        Signer = signer;
    }

    /// <summary>The shared key (<c>v1</c>).</summary>
    public byte[] Key { get; }

    /// <summary>The private key (<c>es256</c>); null on a receiver's side.</summary>
    public ECDsa? Signer { get; }

    /// <summary>The public key, base64 SubjectPublicKeyInfo (the value of <see cref="PublicKeyVariable"/>).</summary>
    public string PublicKey => Convert.ToBase64String((Signer ?? throw new InvalidOperationException("a receiver's key has no key pair")).ExportSubjectPublicKeyInfo());

    /// <summary>What every workload is started with: <see cref="PublicKeyVariable"/>.</summary>
    public IReadOnlyDictionary<string, string> WorkloadEnvironment() => new Dictionary<string, string>(StringComparer.Ordinal) { [PublicKeyVariable] = PublicKey };

    /// <summary>Keys kept in memory only (a throwaway control plane).</summary>
    public static WebhookSigningKey Ephemeral() => new(RandomNumberGenerator.GetBytes(32), ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Reads the shared key at <paramref name="path"/> and the key pair beside it, creating what is absent
    /// (secrets 0600, their directory 0700; the public key 0644).</summary>
    /// <exception cref="ControlPlaneConfigurationException">A secret file is readable by others than its owner, or not a key.</exception>
    public static WebhookSigningKey LoadOrCreate(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        path = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(path)!;
        if (!File.Exists(path))
        {
            IdentityFiles.EnsureDirectory(directory);
            IdentityFiles.WritePrivate(path, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) + "\n");
        }

        var privatePath = Path.Combine(directory, PrivateKeyFileName);
        if (!File.Exists(privatePath))
        {
            using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            IdentityFiles.WritePrivate(privatePath, created.ExportPkcs8PrivateKeyPem() + "\n");
        }

        CheckOwnerOnly(privatePath, "webhook signing key");
        var signer = ECDsa.Create();
        try
        {
            signer.ImportFromPem(File.ReadAllText(privatePath));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            signer.Dispose();
            throw new ControlPlaneConfigurationException($"the webhook signing key {privatePath} is not a PEM private key; delete it to get a new one");
        }

        if (signer.KeySize != 256)
        {
            signer.Dispose();
            throw new ControlPlaneConfigurationException($"the webhook signing key {privatePath} is not a P-256 key; delete it to get a new one");
        }

        // Rewritten at every start, so it always matches the private key; readable by every uid on purpose.
        var publicPath = Path.Combine(directory, PublicKeyFileName);
        var publicPem = signer.ExportSubjectPublicKeyInfoPem() + "\n";
        if (!File.Exists(publicPath) || File.ReadAllText(publicPath) != publicPem)
        {
            var temp = publicPath + ".tmp";
            File.WriteAllText(temp, publicPem);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            File.Move(temp, publicPath, overwrite: true);
        }

        var shared = Load(path);
        return new WebhookSigningKey(shared.Key, signer);
    }

    /// <summary>Reads a public key given as PEM or as base64 SubjectPublicKeyInfo (the variable's form): a receiver's
    /// side. Only P-256 keys are accepted.</summary>
    /// <exception cref="ControlPlaneConfigurationException">Not such a key.</exception>
    public static ECDsa ReadPublicKey(string text, string origin)
    {
        ArgumentNullException.ThrowIfNull(text);
        var key = ECDsa.Create();
        try
        {
            text = text.Trim();
            if (text.StartsWith("-----BEGIN", StringComparison.Ordinal))
            {
                key.ImportFromPem(text);
            }
            else
            {
                key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(text), out _);
            }

            return key.KeySize == 256 ? key : throw new FormatException();
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or CryptographicException)
        {
            key.Dispose();
            throw new ControlPlaneConfigurationException($"{origin} is not an ECDSA P-256 public key (PEM or base64 SubjectPublicKeyInfo)");
        }
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

        CheckOwnerOnly(path, "webhook signing key");
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

    private static void CheckOwnerOnly(string path, string what)
    {
        if (!OwnerOnlyFile.IsOwnerOnly(path))
        {
            throw new ControlPlaneConfigurationException($"the {what} {path} is readable or writable by others than its owner; run `chmod 600 {path}`");
        }
    }
}
