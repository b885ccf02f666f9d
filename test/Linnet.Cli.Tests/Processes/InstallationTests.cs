using Linnet.Cli.Processes;

namespace Linnet.Cli.Tests.Processes;

/// <summary>The demo puts <c>linnet</c> on the PATH. Isolated workloads run as their own uids, and root's home is
/// 0700, so the global link must reach the executable without passing through <c>~/.linnet</c>.</summary>
public sealed class InstallationTests : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("linnet-home-");
    private readonly DirectoryInfo _links = Directory.CreateTempSubdirectory("linnet-links-");

    private static string Executable => Path.Combine(Installation.Directory, "linnet");

    public void Dispose()
    {
        _home.Delete(recursive: true);
        _links.Delete(recursive: true);
    }

    [Fact]
    public void LinkOntoPath_GlobalLink_PointsAtTheExecutableItself()
    {
        Assert.True(File.Exists(Executable), $"the test needs the built apphost at {Executable}");

        Installation.LinkOntoPath(_home.FullName, _links.FullName);

        Assert.Equal(Executable, new FileInfo(Path.Combine(_links.FullName, "linnet")).LinkTarget);
        Assert.Equal(Executable, new FileInfo(Path.Combine(_home.FullName, "bin", "linnet")).LinkTarget);
    }

    [Fact]
    public void LinkOntoPath_OldLinkThroughHome_IsReplaced()
    {
        var old = Path.Combine(_links.FullName, "linnet");
        File.CreateSymbolicLink(old, Path.Combine(_home.FullName, "bin", "linnet"));

        Installation.LinkOntoPath(_home.FullName, _links.FullName);

        Assert.Equal(Executable, new FileInfo(old).LinkTarget);
    }

    [Fact]
    public void LinkOntoPath_SomeoneElsesFile_IsLeftAlone()
    {
        var theirs = Path.Combine(_links.FullName, "linnet");
        File.WriteAllText(theirs, "#!/bin/sh\n");

        Installation.LinkOntoPath(_home.FullName, _links.FullName);

        Assert.Null(new FileInfo(theirs).LinkTarget);
        Assert.Equal("#!/bin/sh\n", File.ReadAllText(theirs));
    }
}
