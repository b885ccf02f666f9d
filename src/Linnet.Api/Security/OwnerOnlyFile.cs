using System.Runtime.InteropServices;

namespace Linnet.Api.Security;

/// <summary>The one check for a secret file Linnet is given (the control plane's keys, credentials, webhook secrets,
/// notification targets, a registry's Docker config): others may neither read nor write it, nor may its group write it; its group may read it only
/// when that group is the process's own (effective) group.</summary>
/// <remarks>The group case is how Kubernetes hands a non-root container its Secrets: a Secret volume's files belong to
/// root, so with the pod's <c>fsGroup</c> (and <c>runAsGroup</c>) the same gid as the container's and the volume's
/// <c>defaultMode: 0440</c>, the kubelet makes them <c>root:&lt;gid&gt; 0440</c>, readable by the container and by no
/// other uid on the node (<c>linnet install</c> mounts its Secrets so). A group-readable file of any other group is
/// refused: its members are other users.</remarks>
public static partial class OwnerOnlyFile
{
    /// <summary>What a secret file's mode may be, for messages.</summary>
    public const string Modes = "chmod 600, or 0440 when its group is the control plane's own";

    private const UnixFileMode GroupWriteOrOther = UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>Throws <see cref="InvalidOperationException"/> with <paramref name="message"/> (default: "PATH must be
    /// readable by its owner only (<see cref="Modes"/>)") when <paramref name="path"/> is readable or writable by others, writable
    /// by its group, or readable by a group that is not the process's own.</summary>
    public static void Require(string path, string? message = null)
    {
        if (!IsOwnerOnly(path))
        {
            throw new InvalidOperationException(message ?? $"{path} must be readable by its owner only ({Modes})");
        }
    }

    /// <summary>Whether <paramref name="path"/> passes the check (<see cref="Require"/> throws when it does not).</summary>
    public static bool IsOwnerOnly(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        var mode = File.GetUnixFileMode(path);
        return (mode & GroupWriteOrOther) == 0 && ((mode & UnixFileMode.GroupRead) == 0 || GroupOf(path) == EffectiveGroup());
    }

    /// <summary>The gid of <paramref name="path"/> (after symlinks, as a Secret volume's files are reached), or null when
    /// it cannot be read.</summary>
    internal static uint? GroupOf(string path)
    {
        // struct statx (linux/stat.h): a fixed layout on every architecture; stx_gid is the u32 at byte 24.
        const int AtFdCwd = -100;
        const uint StatxGid = 0x10;
        var buffer = new byte[256];
        try
        {
            return Statx(AtFdCwd, path, 0, StatxGid, buffer) == 0 ? MemoryMarshal.Read<uint>(buffer.AsSpan(24)) : null;
        }
        catch (EntryPointNotFoundException)
        {
            return null; // a C library without statx: the group cannot be told, so a group-readable file is refused.
        }
    }

    /// <summary>The process's effective gid.</summary>
    internal static uint EffectiveGroup() => GetEgid();

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "getegid")]
    private static partial uint GetEgid();
}
