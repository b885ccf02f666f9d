using System.Runtime.CompilerServices;
using System.Text;

namespace Linnet.ControlPlane.Core.Tests.Translation;

/// <summary>Compares output with a checked-in file, printing a line diff on difference. With
/// <c>LINNET_UPDATE_GOLDEN=1</c> the file (in the source tree) is rewritten instead.</summary>
internal static class GoldenFile
{
    public const string UpdateVariable = "LINNET_UPDATE_GOLDEN";

    /// <summary>The test assets folder in the source tree (so updates land there), or the copy next to the
    /// test assembly when the sources are not at hand.</summary>
    public static string AssetsDirectory([CallerFilePath] string callerFile = "")
    {
        var source = Path.Combine(Path.GetDirectoryName(callerFile) ?? "", "testassets");
        return Directory.Exists(source) ? source : Path.Combine(AppContext.BaseDirectory, "Translation", "testassets");
    }

    public static void AssertMatches(string path, string actual)
    {
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        if (!File.Exists(path))
        {
            Assert.Fail($"{path} does not exist; run with {UpdateVariable}=1 to create it. Output:\n{actual}");
        }

        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        if (expected != actual)
        {
            Assert.Fail($"{path} differs from the output (- expected, + actual); run with {UpdateVariable}=1 to accept:\n{Diff(expected, actual)}");
        }
    }

    /// <summary>A line diff (longest common subsequence) with two lines of context around changes.</summary>
    public static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var lines = new List<(char Mark, int Line, string Text)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                lines.Add((' ', x + 1, a[x]));
                x++;
                y++;
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                lines.Add(('-', x + 1, a[x]));
                x++;
            }
            else
            {
                lines.Add(('+', y + 1, b[y]));
                y++;
            }
        }

        var output = new StringBuilder();
        var lastShown = -1;
        for (var k = 0; k < lines.Count; k++)
        {
            var near = false;
            for (var d = Math.Max(0, k - 2); d <= Math.Min(lines.Count - 1, k + 2) && !near; d++)
            {
                near = lines[d].Mark != ' ';
            }

            if (!near)
            {
                continue;
            }

            if (lastShown >= 0 && k > lastShown + 1)
            {
                output.AppendLine("  ...");
            }

            output.Append(lines[k].Mark).Append(' ').Append(lines[k].Line.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(4)).Append(": ").AppendLine(lines[k].Text);
            lastShown = k;
        }

        return output.ToString();
    }
}
