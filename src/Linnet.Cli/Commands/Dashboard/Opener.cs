using System.ComponentModel;
using System.Diagnostics;

namespace Linnet.Cli.Commands.Dashboard;

/// <summary>Opens a URL in the user's browser.</summary>
internal static class Opener
{
    /// <summary>Runs <c>xdg-open URL</c> (no shell: the URL is one argument); the reason when it cannot.</summary>
    public static string? XdgOpen(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        try
        {
            var start = new ProcessStartInfo("xdg-open") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(url.AbsoluteUri);
            using var process = Process.Start(start);
            return process is null ? "xdg-open did not start" : null;
        }
        catch (Win32Exception ex)
        {
            return $"cannot run xdg-open ({ex.Message})";
        }
    }
}
