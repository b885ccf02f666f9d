using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Linnet.Platform.Universal.Isolation;

/// <summary>Which mesh owns which pods, as a kernel fact: every mesh whose data directory hashes to <c>h</c> holds an
/// advisory lock (<c>flock</c>, which .NET takes for <see cref="FileShare.None"/>, as <c>AddressLease</c> does) on
/// <c>&lt;runtime&gt;/owners/h</c> for as long as its process lives, taken before it makes anything named after
/// <c>h</c>. The kernel drops the lock when that process exits however it exits (SIGKILL included), so a lock that
/// can be taken means the owner is gone and everything named after <c>h</c> (bridge, veths, namespaces with their
/// iptables rules and processes, <c>/etc/netns</c> and pod folders) is abandoned: any mesh starting on the host
/// removes it. Pods without an owner file are never touched (another tool's, or a version before owner files).</summary>
internal static class MeshOwnership
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    // One lock per owner file and process: flock conflicts between two descriptors of one process, so a second
    // claim in the same process (the supervisor after the command that made the bridge) reuses the first.
    private static readonly ConcurrentDictionary<string, FileStream> Held = new(StringComparer.Ordinal);

    private static readonly Lock Gate = new();

    /// <summary>The folder of owner files under <paramref name="runtimeDirectory"/>.</summary>
    public static string Directory(string runtimeDirectory) => Path.Combine(runtimeDirectory, "owners");

    /// <summary>Makes this process the owner of the pods named after <paramref name="hash"/>, for as long as it
    /// lives or until <see cref="Release"/>. Throws when another live process owns them (the same data directory
    /// in use by another mesh).</summary>
    public static void Claim(string runtimeDirectory, string hash, string dataDirectory)
    {
        var path = Path.Combine(Directory(runtimeDirectory), hash);
        lock (Gate)
        {
            if (Held.TryGetValue(path, out var held) && StillNamedBy(held, path))
            {
                return;
            }

            Held.TryRemove(path, out _);
            held?.Dispose();
            CreateDirectory(runtimeDirectory);
            var stream = TryLock(path)
                ?? throw new IsolationException($"another live process owns this data directory's pods ({path}): a mesh running on it, or for a moment a mesh removing what its crashed run left (then try again)");
            var record = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId}\ndata directory {Path.GetFullPath(dataDirectory)}\n"));
            stream.SetLength(0);
            stream.Write(record);
            stream.Flush();
            Held[path] = stream;
        }
    }

    /// <summary>Gives up the ownership after everything it covered was removed: the owner file goes first (while
    /// still locked, so that no reaper can take it in between), then the lock.</summary>
    public static void Release(string runtimeDirectory, string hash)
    {
        var path = Path.Combine(Directory(runtimeDirectory), hash);
        lock (Gate)
        {
            if (Held.TryRemove(path, out var stream))
            {
                if (StillNamedBy(stream, path))
                {
                    File.Delete(path);
                }

                stream.Dispose();
            }
        }
    }

    /// <summary>Calls <paramref name="reap"/> with the hash of every mesh whose owner is gone (other than
    /// <paramref name="ownHash"/>), holding its lock meanwhile, then removes its owner file. Returns the hashes
    /// reaped.</summary>
    public static IReadOnlyList<string> ReapAbandoned(string runtimeDirectory, string ownHash, Action<string> reap)
    {
        ArgumentNullException.ThrowIfNull(reap);
        var directory = Directory(runtimeDirectory);
        if (!System.IO.Directory.Exists(directory))
        {
            return [];
        }

        var reaped = new List<string>();
        foreach (var path in System.IO.Directory.EnumerateFiles(directory))
        {
            var hash = Path.GetFileName(path);
            if (hash == ownHash || !IsHash(hash) || Held.ContainsKey(path))
            {
                continue;
            }

            using var stream = TryLock(path);
            if (stream is null)
            {
                continue; // Its owner lives.
            }

            reap(hash);
            File.Delete(path);
            reaped.Add(hash);
        }

        return reaped;
    }

    private static bool IsHash(string name) => name.Length == 6 && name.All(char.IsAsciiHexDigitLower);

    // The lock on the file the path names now. A lock taken on a file a reaper unlinked between our open and our
    // flock would be a lock on nothing: the descriptor must still be the path's file (/proc/self/fd says
    // "(deleted)" otherwise), else it is let go and the caller tries again.
    private static FileStream? TryLock(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("pods are Linux network namespaces");
        }

        for (var attempt = 0; attempt < 3; attempt++)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }
            catch (IOException ex) when (ex is not DirectoryNotFoundException and not PathTooLongException and not FileNotFoundException)
            {
                return null; // EWOULDBLOCK from flock: its owner holds it.
            }

            if (StillNamedBy(stream, path))
            {
                return stream;
            }

            stream.Dispose();
        }

        return null;
    }

    private static bool StillNamedBy(FileStream stream, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return true;
        }

        var fd = stream.SafeFileHandle.DangerousGetHandle().ToInt64().ToString(CultureInfo.InvariantCulture);
        var target = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        return target == Path.GetFullPath(path);
    }

    private static void CreateDirectory(string runtimeDirectory)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("pods are Linux network namespaces");
        }

        if (!System.IO.Directory.Exists(runtimeDirectory))
        {
            System.IO.Directory.CreateDirectory(runtimeDirectory);
            File.SetUnixFileMode(runtimeDirectory, OwnerOnly | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        var owners = Directory(runtimeDirectory);
        System.IO.Directory.CreateDirectory(owners);
        File.SetUnixFileMode(owners, OwnerOnly);
    }
}
