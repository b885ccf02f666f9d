namespace Linnet.Platform.Universal.Supervisor;

/// <summary>What to execute: a program, its arguments, variables added to the inherited environment, and
/// the directory to run in.</summary>
internal sealed record ProcessLaunch(
    string FileName,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment,
    string WorkingDirectory)
{
    /// <summary>Runs a .NET app given as its <c>.dll</c>: the native executable beside it when there is one,
    /// else <c>dotnet &lt;dll&gt;</c>. Anything else is executed as given.</summary>
    public static ProcessLaunch ForProgram(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        if (program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            var native = Path.ChangeExtension(program, null);
            return File.Exists(native)
                ? new ProcessLaunch(native, [.. arguments], environment, workingDirectory)
                : new ProcessLaunch("dotnet", [program, .. arguments], environment, workingDirectory);
        }

        return new ProcessLaunch(program, [.. arguments], environment, workingDirectory);
    }

    /// <summary>The executable <paramref name="program"/> names: a path (absolute, or relative to
    /// <paramref name="workingDirectory"/>) as given; a bare name looked up on the <c>PATH</c>, then in
    /// <paramref name="bundled"/> (the programs shipped with <c>linnet</c>, such as the sample apps). Null when
    /// there is no such executable file.</summary>
    public static string? Resolve(string program, string workingDirectory, IEnumerable<string> bundled)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        if (program.Contains('/', StringComparison.Ordinal))
        {
            var path = Path.GetFullPath(program, workingDirectory);
            return IsExecutable(path) ? path : null;
        }

        var directories = (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(bundled);
        return directories.Select(d => Path.Combine(d, program)).FirstOrDefault(IsExecutable);
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
}
