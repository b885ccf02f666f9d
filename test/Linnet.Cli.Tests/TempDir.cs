namespace Linnet.Cli.Tests;

/// <summary>A directory of its own for one test, removed afterwards.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("linnet-cli-test-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Something still writes there; the temp folder is cleaned eventually.
        }
    }
}
