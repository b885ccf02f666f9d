using System.Diagnostics;

namespace Linnet.Cli.Processes;

/// <summary>Where this <c>linnet</c> and the programs shipped with it live, which <c>linnet-proxy</c> the
/// supervisor runs, and how <c>linnet</c> gets onto the <c>PATH</c>.</summary>
/// <remarks>
/// <para>The proxy is the Native AOT build users get (<c>dotnet publish src/Linnet.Proxy -c Release -r linux-x64</c>,
/// about a quarter of the JIT build's memory): <c>$LINNET_PROXY</c> when set, else <c>artifacts/linnet-proxy/linnet-proxy</c>
/// of the source tree this <c>linnet</c> was built from when it is newer than the proxy's sources (the demo
/// publishes it there on its first run), else the JIT build beside <c>linnet</c>.</para>
/// <para><c>linnet</c> on the <c>PATH</c>: the demo links <c>~/.linnet/bin/linnet</c> and
/// <c>$LINNET_LINK_DIR/linnet</c> (default <c>/usr/local/bin</c> when root) to this build's executable. The global
/// link points at the executable itself, not through <c>~/.linnet</c>: isolated workloads run as their own uids,
/// and root's home (0700) would stop a workload whose command is a bare <c>linnet</c>.</para>
/// </remarks>
internal static class Installation
{
    private static readonly string[] ProxySourceFolders = ["src/Linnet.Proxy", "src/Linnet.Api", "proto"];
    private static readonly string[] BuildFiles = ["Directory.Build.props", "Directory.Packages.props"];

    /// <summary>The folder holding <c>linnet</c> and the programs shipped with it (the sample apps).</summary>
    public static string Directory { get; } = AppContext.BaseDirectory.TrimEnd('/');

    /// <summary>The source tree this build came from (the folder holding <c>Linnet.slnx</c>), null when installed elsewhere.</summary>
    public static string? SourceTree { get; } = FindSourceTree();

    /// <summary>Where the demo publishes the Native AOT proxy in the source tree.</summary>
    public static string? NativeProxy => SourceTree is null ? null : Path.Combine(SourceTree, "artifacts", "linnet-proxy", "linnet-proxy");

    /// <summary>What the supervisor runs as <c>linnet-proxy</c> (see the remarks).</summary>
    public static string ProxyCommand() =>
        Environment.GetEnvironmentVariable("LINNET_PROXY") is { Length: > 0 } chosen ? chosen
        : NativeProxyIsCurrent() ? NativeProxy!
        : Path.Combine(Directory, "linnet-proxy.dll");

    /// <summary>True when the Native AOT proxy exists and is newer than every source file it is built from.</summary>
    public static bool NativeProxyIsCurrent()
    {
        if (NativeProxy is not { } binary || !File.Exists(binary))
        {
            return false;
        }

        var built = File.GetLastWriteTimeUtc(binary);
        return ProxySources().All(f => File.GetLastWriteTimeUtc(f) <= built);
    }

    /// <summary>Publishes the Native AOT proxy into the source tree (<c>dotnet publish</c>, as CI does); the
    /// output of the build goes to <paramref name="log"/>. False (with the log) when it fails, for example
    /// without clang and zlib1g-dev, the AOT linker's.</summary>
    public static async Task<bool> PublishNativeProxyAsync(string log, CancellationToken cancellationToken)
    {
        if (SourceTree is null)
        {
            return false;
        }

        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "publish", Path.Combine(SourceTree, "src", "Linnet.Proxy"), "-c", "Release", "-r", "linux-x64", "-o", Path.GetDirectoryName(NativeProxy)!, "-nologo" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = SourceTree,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot run dotnet publish");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        await File.WriteAllTextAsync(log, await output + await errors, CancellationToken.None);
        if (process.ExitCode == 0 && File.Exists(NativeProxy))
        {
            // publish leaves an unchanged binary's time alone: mark it current.
            File.SetLastWriteTimeUtc(NativeProxy!, DateTime.SpecifyKind(File.GetLastWriteTimeUtc(log), DateTimeKind.Utc));
            return true;
        }

        return false;
    }

    /// <summary>Links <c>linnet</c> into <paramref name="home"/><c>/bin</c> and, when possible, into the link
    /// directory on the PATH. Returns what to type to run it: <c>linnet</c> when that finds this build, else
    /// the full path of the link.</summary>
    public static string LinkOntoPath(string home) =>
        LinkOntoPath(home, Environment.GetEnvironmentVariable("LINNET_LINK_DIR") is { } configured
            ? configured
            : Environment.IsPrivilegedProcess ? "/usr/local/bin" : null);

    /// <summary><see cref="LinkOntoPath(string)"/> with the link directory given (null: none).</summary>
    internal static string LinkOntoPath(string home, string? linkDir)
    {
        var executable = Path.Combine(Directory, "linnet");
        if (!File.Exists(executable))
        {
            return $"dotnet {Path.Combine(Directory, "linnet.dll")}";
        }

        var bin = Path.Combine(home, "bin");
        System.IO.Directory.CreateDirectory(bin);
        var own = Path.Combine(bin, "linnet");
        Relink(own, executable);
        if (!string.IsNullOrEmpty(linkDir) && System.IO.Directory.Exists(linkDir))
        {
            var global = Path.Combine(linkDir, "linnet");
            try
            {
                // Only ever replace a link of ours, never a file someone else put there.
                if (!Path.Exists(global) || new FileInfo(global).LinkTarget is not null)
                {
                    Relink(global, executable);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not writable: the full path is printed instead.
            }
        }

        return OnPath("linnet") is { } found && SameFile(found, executable) ? "linnet" : own;
    }

    private static void Relink(string link, string target)
    {
        var info = new FileInfo(link);
        if (info.LinkTarget == target)
        {
            return;
        }

        if (info.LinkTarget is not null)
        {
            info.Delete();
        }

        if (!Path.Exists(link))
        {
            File.CreateSymbolicLink(link, target);
        }
    }

    private static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static bool SameFile(string a, string b)
    {
        try
        {
            return Path.GetFullPath(new FileInfo(a).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? a) == Path.GetFullPath(new FileInfo(b).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? b);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static IEnumerable<string> ProxySources()
    {
        foreach (var root in ProxySourceFolders.Select(r => Path.Combine(SourceTree!, r)).Where(System.IO.Directory.Exists))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                if (!file.Contains("/bin/", StringComparison.Ordinal) && !file.Contains("/obj/", StringComparison.Ordinal))
                {
                    yield return file;
                }
            }
        }

        foreach (var file in BuildFiles.Select(f => Path.Combine(SourceTree!, f)).Where(File.Exists))
        {
            yield return file;
        }
    }

    private static string? FindSourceTree()
    {
        for (var dir = new DirectoryInfo(Directory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Linnet.slnx")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
