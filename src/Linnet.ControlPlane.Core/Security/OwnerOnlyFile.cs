namespace Linnet.ControlPlane.Core.Security;

/// <summary>The one check for a secret file the control plane is given (credentials, webhook secrets, notification
/// targets): its group and others may neither read nor write it.</summary>
public static class OwnerOnlyFile
{
    private const UnixFileMode GroupOrOtherReadWrite = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>Throws <see cref="InvalidOperationException"/> with <paramref name="message"/> (default: "PATH must be
    /// readable by its owner only (chmod 600)") when <paramref name="path"/> is readable or writable by its group or
    /// others.</summary>
    public static void Require(string path, string? message = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & GroupOrOtherReadWrite) != 0)
        {
            throw new InvalidOperationException(message ?? $"{path} must be readable by its owner only (chmod 600)");
        }
    }
}
