using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Linnet.Platform.Universal.Images;
using Linnet.Platform.Universal.Supervisor;

namespace Linnet.Platform.Universal.Isolation;

/// <summary>An isolated instance's own copy of its image's files, as a container gets its own root: the unpacked
/// image (kept once per digest in the data directory, which no workload uid may enter) is copied into the pod's
/// folder and given to the app's uid, its top directory owner-only, so that no other workload's uid can read it and
/// what the app writes there is its own. It lives and goes with the pod's folder.</summary>
internal static class PodImage
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Copies <paramref name="image"/>'s root into <see cref="Pod.ImageRoot"/>, owned by the app's uid, and
    /// returns the image as the instance runs it (its root there).</summary>
    public static ResolvedImage GiveTo(Pod pod, ResolvedImage image)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(image);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("pods are Linux network namespaces");
        }

        var root = pod.ImageRoot;
        try
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }

            Directory.CreateDirectory(root);
            File.SetUnixFileMode(root, OwnerOnly);
            CopyChildren(new DirectoryInfo(image.RootFs), root, pod.AppUid);
            Own(root, pod.AppUid);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IsolationException($"cannot copy {image.Image} into the pod's folder {root}: {ex.Message}", ex);
        }

        return image with { RootFs = root };
    }

    [UnsupportedOSPlatform("windows")]
    private static void CopyChildren(DirectoryInfo source, string target, int uid)
    {
        foreach (var entry in source.EnumerateFileSystemInfos())
        {
            var path = Path.Combine(target, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                // The link as it is (never followed: it may name a path of the host).
                File.CreateSymbolicLink(path, link);
            }
            else if (entry is DirectoryInfo directory)
            {
                Directory.CreateDirectory(path);
                CopyChildren(directory, path, uid);
                File.SetUnixFileMode(path, directory.UnixFileMode);
            }
            else
            {
                File.Copy(entry.FullName, path);
                File.SetUnixFileMode(path, entry.UnixFileMode);
            }

            Own(path, uid);
        }
    }

    private static void Own(string path, int uid)
    {
        if (NativeMethods.LChown(path, uid, uid) != 0)
        {
            throw new IsolationException($"cannot give {path} to uid {uid}: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
