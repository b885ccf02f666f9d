using Linnet.Api.Security;

namespace Linnet.ControlPlane.Security;

/// <summary>Universal mode's Secrets: a Kubernetes Secret as it looks mounted as a volume — one folder per secret,
/// one file per key — under <c>&lt;data-dir&gt;/secrets/&lt;namespace&gt;/&lt;name&gt;/&lt;key&gt;</c>. Every key file
/// must be owner-only (chmod 600), as every secret file the control plane reads; values are read at each use (so a
/// rotated file takes effect at the next query), one trailing line break dropped (<c>echo pw &gt; password</c>), and
/// never logged.</summary>
public sealed class SecretFiles
{
    /// <summary>The folder's name in the data directory.</summary>
    public const string FolderName = "secrets";

    /// <summary>Secrets under <paramref name="directory"/>; null: this control plane has no data directory, so no secrets.</summary>
    public SecretFiles(string? directory) => Directory = directory is null ? null : Path.GetFullPath(directory);

    /// <summary>Where the secrets are; null when there are none.</summary>
    public string? Directory { get; }

    /// <summary>The keys of secret <paramref name="name"/> in <paramref name="ns"/>, or null with the reason (which
    /// names the files, never their content).</summary>
    public (IReadOnlyDictionary<string, string>? Keys, string? Problem) Read(string ns, string name)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(name);
        if (Directory is null)
        {
            return (null, $"secret {ns}/{name}: this control plane has no data directory to keep secrets in");
        }

        // The parser allows DNS labels only, so a name cannot leave the folder; checked again for the store's own records.
        if (!IsSafeSegment(ns) || !IsSafeSegment(name))
        {
            return (null, $"secret {ns}/{name}: not a valid name");
        }

        var folder = Path.Combine(Directory, ns, name);
        if (!System.IO.Directory.Exists(folder))
        {
            return (null, $"secret {ns}/{name} not found: create {folder}/ with a file per key (token, or username and password), chmod 600");
        }

        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in System.IO.Directory.EnumerateFiles(folder))
        {
            try
            {
                OwnerOnlyFile.Require(file, $"secret {ns}/{name}: {file} must be readable by its owner only ({OwnerOnlyFile.Modes})");
            }
            catch (InvalidOperationException ex)
            {
                return (null, ex.Message);
            }

            var value = File.ReadAllText(file);
            value = value.EndsWith("\r\n", StringComparison.Ordinal) ? value[..^2] : value.EndsWith('\n') ? value[..^1] : value;
            keys[Path.GetFileName(file)] = value;
        }

        return (keys, null);
    }

    private static bool IsSafeSegment(string segment) =>
        segment.Length is > 0 and <= 63 && segment.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
}
