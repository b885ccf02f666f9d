using System.Diagnostics;
using Linnet.Platform.Universal.Isolation;
using Linnet.Platform.Universal.Tests.Store;

namespace Linnet.Platform.Universal.Tests.Isolation;

/// <summary>Whether a mesh's pods are abandoned is the kernel's answer, not a guess: its owner holds a flock on its
/// owner file for as long as its process lives, and the lock goes when the process is SIGKILLed. Another process's
/// lock is held here by util-linux's <c>flock</c>(1), which takes the same <c>flock</c>(2) lock .NET takes.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class MeshOwnershipTests
{
    [Fact]
    public async Task ReapAbandoned_OwnerAliveThenKilled_ReapsOnlyOnceTheOwnerIsGone()
    {
        using var runtime = new TempDirectory();
        Directory.CreateDirectory(MeshOwnership.Directory(runtime.Path));
        var owner = Path.Combine(MeshOwnership.Directory(runtime.Path), "a1b2c3");
        using var holder = await HoldAsync(owner);
        var reaped = new List<string>();

        Assert.Empty(MeshOwnership.ReapAbandoned(runtime.Path, "ffffff", reaped.Add));
        Assert.Empty(reaped);
        Assert.True(File.Exists(owner));

        holder.Kill(entireProcessTree: true);
        await holder.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["a1b2c3"], MeshOwnership.ReapAbandoned(runtime.Path, "ffffff", reaped.Add));
        Assert.Equal(["a1b2c3"], reaped);
        Assert.False(File.Exists(owner), "the reaped mesh's owner file is left");
    }

    [Fact]
    public void ReapAbandoned_OwnHashAndForeignFiles_NeverReaped()
    {
        using var runtime = new TempDirectory();
        var owners = MeshOwnership.Directory(runtime.Path);
        Directory.CreateDirectory(owners);
        File.WriteAllText(Path.Combine(owners, "0a0b0c"), "");
        File.WriteAllText(Path.Combine(owners, "notes.txt"), "");
        var reaped = new List<string>();

        Assert.Empty(MeshOwnership.ReapAbandoned(runtime.Path, "0a0b0c", reaped.Add));

        Assert.Empty(reaped);
        Assert.True(File.Exists(Path.Combine(owners, "notes.txt")));
    }

    [Fact]
    public async Task Claim_HeldByAnotherLiveProcess_RefusedNamingTheOwnerFile()
    {
        using var runtime = new TempDirectory();
        Directory.CreateDirectory(MeshOwnership.Directory(runtime.Path));
        var owner = Path.Combine(MeshOwnership.Directory(runtime.Path), "d4e5f6");
        using var holder = await HoldAsync(owner);
        try
        {
            var ex = Assert.Throws<IsolationException>(() => MeshOwnership.Claim(runtime.Path, "d4e5f6", "/tmp/some-data"));
            Assert.Contains(owner, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Claim_ThenRelease_OthersSeeItOwnedUntilReleasedAndTheFileGoes()
    {
        using var runtime = new TempDirectory();
        MeshOwnership.Claim(runtime.Path, "abcdef", runtime.Path);
        MeshOwnership.Claim(runtime.Path, "abcdef", runtime.Path); // a second claim in the same process keeps the first
        var owner = Path.Combine(MeshOwnership.Directory(runtime.Path), "abcdef");
        // cat(1): .NET's own read would ask for a shared lock, which the owner's exclusive one refuses.
        using (var cat = Process.Start(new ProcessStartInfo("cat", [owner]) { RedirectStandardOutput = true, UseShellExecute = false })!)
        {
            Assert.Contains($"pid {Environment.ProcessId}\ndata directory {runtime.Path}", await cat.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(MeshOwnership.Directory(runtime.Path)));

        // Another process cannot take it while this one owns it.
        Assert.NotEqual(0, await TryLockAsync(owner));

        MeshOwnership.Release(runtime.Path, "abcdef");

        Assert.False(File.Exists(owner));
        Assert.Equal(0, await TryLockAsync(owner));
    }

    // flock(1) holding the file's lock until killed; returns once it holds it.
    private static async Task<Process> HoldAsync(string path)
    {
        var info = new ProcessStartInfo("flock") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in (string[])["--nonblock", "--close", path, "-c", "echo held; exec cat"])
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        var line = await process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken);
        Assert.Equal("held", line);
        return process;
    }

    // flock(1)'s exit code for a non-blocking attempt: 0 when it got the lock.
    private static async Task<int> TryLockAsync(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("flock", ["--nonblock", "--conflict-exit-code", "9", path, "true"]) { UseShellExecute = false })!;
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return process.ExitCode;
    }
}
