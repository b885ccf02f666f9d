namespace Linnet.Platform.Kubernetes.Tests;

/// <summary>Paths in the source tree (deploy/, the test assets) and the Debian tools the tests drive.</summary>
internal static class Repository
{
    /// <summary>The repository root: the folder above the tests holding Linnet.slnx.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Linnet.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException($"no Linnet.slnx above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>A test asset, from the source tree (so golden updates land there).</summary>
    public static string Asset(string relative) => Path.Combine(Root, "test", "Linnet.Platform.Kubernetes.Tests", "testassets", relative);

    /// <summary>kubectl (Debian's kubernetes-client, installed by test.sh), or a failure saying so.</summary>
    public static string Kubectl()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "kubectl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail("kubectl is not on the PATH: install Debian's kubernetes-client (test.sh does)");
        return "";
    }
}
