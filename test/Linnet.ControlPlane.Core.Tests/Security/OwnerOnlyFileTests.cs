using System.Diagnostics;
using System.Globalization;
using Linnet.Api.Security;

namespace Linnet.ControlPlane.Core.Tests.Security;

/// <summary>The one rule for a secret file the control plane is given: others may not read or write it, its group may
/// not write it, and its group may read it only when that group is the process's own, which is how a non-root container
/// reads a Kubernetes Secret volume (files root-owned, group = the pod's fsGroup, defaultMode 0440).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OwnerOnlyFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("linnet-owner-only-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>The process's effective gid, as the kernel reports it (the second field of <c>Gid:</c>).</summary>
    private static uint OwnGroup() =>
        uint.Parse(File.ReadLines("/proc/self/status").Single(l => l.StartsWith("Gid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);

    private string Secret(string mode, uint group)
    {
        var path = Path.Combine(_directory, $"key-{Guid.NewGuid():N}");
        File.WriteAllText(path, "secret");
        Run("chgrp", group.ToString(CultureInfo.InvariantCulture), path);
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));
        return path;
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: {error} (the test runs as root, as test.sh does)");
    }

    [Theory]
    [InlineData("600")]
    [InlineData("400")]
    [InlineData("440")]   // a Secret volume with fsGroup and defaultMode 0440: the group is the process's own
    [InlineData("640")]
    public void Require_OwnerOnlyOrReadableByTheProcesssOwnGroup_Accepted(string mode) =>
        OwnerOnlyFile.Require(Secret(mode, OwnGroup()));

    [Theory]
    [InlineData("440")]
    [InlineData("640")]
    public void Require_ReadableByAnotherGroup_RefusedNamingTheFile(string mode)
    {
        var path = Secret(mode, OwnGroup() + 4321);

        var ex = Assert.Throws<InvalidOperationException>(() => OwnerOnlyFile.Require(path));

        Assert.Equal($"{path} must be readable by its owner only (chmod 600, or 0440 when its group is the control plane's own)", ex.Message);
    }

    [Theory]
    [InlineData("604")]   // others read
    [InlineData("444")]
    [InlineData("602")]   // others write
    [InlineData("660")]   // the group writes, even the process's own
    [InlineData("620")]
    public void Require_OthersReadOrWriteOrGroupWrites_Refused(string mode) =>
        Assert.Throws<InvalidOperationException>(() => OwnerOnlyFile.Require(Secret(mode, OwnGroup())));

    [Fact]
    public void Require_ThroughSymlinksAsInASecretVolume_TheFileItselfIsJudged()
    {
        // The kubelet's layout: key -> ..data/key, ..data -> ..<timestamp>/ holding the file.
        var timestamped = Directory.CreateDirectory(Path.Combine(_directory, "..2026_12_05_00_00_00.1"));
        File.CreateSymbolicLink(Path.Combine(_directory, "..data"), timestamped.Name);
        var good = Path.Combine(timestamped.FullName, "tls.key");
        File.Move(Secret("440", OwnGroup()), good);
        var open = Path.Combine(timestamped.FullName, "ca.key");
        File.Move(Secret("444", OwnGroup()), open);
        File.CreateSymbolicLink(Path.Combine(_directory, "tls.key"), "..data/tls.key");
        File.CreateSymbolicLink(Path.Combine(_directory, "ca.key"), "..data/ca.key");

        OwnerOnlyFile.Require(Path.Combine(_directory, "tls.key"));
        Assert.Throws<InvalidOperationException>(() => OwnerOnlyFile.Require(Path.Combine(_directory, "ca.key")));
    }
}
