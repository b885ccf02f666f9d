using Linnet.ControlPlane.Core.Resources;
using Linnet.Platform.Universal.Supervisor;

namespace Linnet.Platform.Universal.Images;

/// <summary>How an instance runs its image without a container runtime: the program and working directory are
/// the image's paths under its unpacked root, the image's environment comes first (its <c>PATH</c> mapped under the
/// root, then the host's), and the instance's variables on top. The process is not chrooted (a documented
/// limitation): interpreters named by absolute paths (<c>#!/bin/sh</c>) and shared libraries come from the
/// host.</summary>
internal static class ImageLaunch
{
    /// <summary>The launch of <paramref name="image"/> for a workload <paramref name="spec"/>: Kubernetes'
    /// rules for <c>command</c>/<c>args</c> over the image's <c>Entrypoint</c>/<c>Cmd</c>.</summary>
    public static ProcessLaunch Build(ResolvedImage image, WorkloadSpec spec, IReadOnlyDictionary<string, string> instanceEnvironment)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(instanceEnvironment);
        List<string> argv = spec.Command.Length > 0
            ? [spec.Command, .. spec.Args]
            : [.. image.Config.Entrypoint, .. spec.Args.Count > 0 ? spec.Args : image.Config.Cmd];
        if (argv.Count == 0)
        {
            throw new InvalidOperationException($"{image.Image} has no entrypoint or cmd, and the workload names no command");
        }

        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in image.Config.Env)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                env[pair[..eq]] = pair[(eq + 1)..];
            }
        }

        var imagePath = env.TryGetValue("PATH", out var p) ? p.Split(':', StringSplitOptions.RemoveEmptyEntries) : [];
        env["PATH"] = string.Join(':', imagePath.Select(d => Inside(image.RootFs, d)).Append(Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin"));
        foreach (var (name, value) in instanceEnvironment)
        {
            env[name] = value;
        }

        env["LINNET_IMAGE_ROOT"] = image.RootFs;
        var workingDir = spec.WorkingDir ?? (image.Config.WorkingDir.Length > 0 ? image.Config.WorkingDir : "/");
        var directory = Inside(image.RootFs, workingDir);
        return new ProcessLaunch(Program(image.RootFs, argv[0], imagePath, directory), argv[1..], env, directory);
    }

    private static string Program(string root, string name, IEnumerable<string> imagePath, string workingDirectory)
    {
        if (name.StartsWith('/'))
        {
            return Inside(root, name);
        }

        if (name.Contains('/', StringComparison.Ordinal))
        {
            return Path.GetFullPath(Path.Combine(workingDirectory, name));
        }

        foreach (var dir in imagePath)
        {
            var candidate = Path.Combine(Inside(root, dir), name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        // Not in the image: the host's program of that name.
        return name;
    }

    private static string Inside(string root, string imagePath) => Path.Combine(root, imagePath.TrimStart('/'));
}
