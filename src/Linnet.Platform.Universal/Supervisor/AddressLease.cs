using System.Net;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>A host-wide claim on an instance address, held for as long as the instance has it: an advisory lock
/// (<c>flock</c>, which .NET takes for <see cref="FileShare.None"/>) on a file named after the address in a shared
/// folder. Probing the address's ports alone is not enough: two meshes starting at the same moment (two demos, a
/// demo beside a test run) both find an address unused before either proxy binds it, and one proxy then fails.
/// The kernel drops the lock when the holder exits, however it exits, so a crashed mesh leaves no claim behind.</summary>
internal sealed class AddressLease : IDisposable
{
    /// <summary>The shared folder: sticky and writable by every user, like <c>/tmp</c> itself.</summary>
    public static readonly string DefaultDirectory = Path.Combine(Path.GetTempPath(), "linnet-addresses");

    private const UnixFileMode Shared = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.StickyBit;

    private readonly FileStream? _lock;

    private AddressLease(FileStream? held) => _lock = held;

    /// <summary>A lease that holds nothing (addresses no other mesh can take, such as a mesh's own pod range).</summary>
    public static AddressLease None { get; } = new(null);

    /// <summary>Claims <paramref name="address"/>; null when another process holds it. Where the folder cannot be
    /// used (made by another user without the shared mode), the claim is granted unlocked: the port probe that
    /// follows still guards against what already listens.</summary>
    public static AddressLease? TryTake(IPAddress address, string? directory = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        directory ??= DefaultDirectory;
        try
        {
            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(directory, Shared);
                }
            }

            var path = Path.Combine(directory, address.ToString());
            return new AddressLease(new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.None));
        }
        catch (UnauthorizedAccessException)
        {
            return new AddressLease(null);
        }
        catch (IOException ex) when (ex is not DirectoryNotFoundException and not PathTooLongException)
        {
            // EWOULDBLOCK from flock: another mesh has it.
            return null;
        }
    }

    /// <summary>Gives the address back.</summary>
    public void Dispose() => _lock?.Dispose();
}
