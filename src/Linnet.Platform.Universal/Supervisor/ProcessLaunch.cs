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
}
