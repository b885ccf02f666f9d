using System.Text.Json.Nodes;
using Linnet.Cli.Commands.Top;
using Spectre.Console;

namespace Linnet.Cli.Tests.Commands.Tap;

/// <summary><c>linnet top</c>'s figures from known events: per source, destination, method and path (query left
/// out), count, best, worst and last latency, and the share of successes (status below 500, gRPC OK).</summary>
public sealed class TopTableTests
{
    [Fact]
    public void Add_KnownEvents_CountsLatenciesAndSuccessPerPath()
    {
        var table = new TopTable();
        table.Add(Event("/api/a?x=1", 200, 1500));
        table.Add(Event("/api/a?x=2", 500, 9000));
        table.Add(Event("/api/a", 200, 700));
        table.Add(Event("/api/a", 200, 3000));
        table.Add(Event("/api/b", 200, 100, grpc: 14));

        var rows = table.Top(10);

        Assert.Equal(2, rows.Count);
        var a = rows[0];
        Assert.Equal(("web-0", "backend-0", "GET", "/api/a"), (a.Source, a.Destination, a.Method, a.Path));
        Assert.Equal((4L, 700L, 9000L, 3000L), (a.Count, a.BestMicros, a.WorstMicros, a.LastMicros));
        Assert.Equal(0.75, a.SuccessRate);
        Assert.Equal(0, rows[1].SuccessRate);
    }

    [Fact]
    public void Render_Rows_LinkerdColumnsBusiestFirst()
    {
        var table = new TopTable();
        table.Add(Event("/quiet", 200, 2_500_000));
        table.Add(Event("/busy", 200, 800));
        table.Add(Event("/busy", 200, 12_000));
        using var stdout = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout), Ansi = AnsiSupport.No });
        console.Profile.Width = 200;

        console.Write(table.Render(10));

        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToList();
        Assert.Matches("^Source +Destination +Method +Path +Count +Best +Worst +Last +Success Rate$", lines[0]);
        Assert.Matches("^web-0 +backend-0 +GET +/busy +2 +800µs +12ms +12ms +100.00%$", lines[1]);
        Assert.Matches("^web-0 +backend-0 +GET +/quiet +1 +2.5s +2.5s +2.5s +100.00%$", lines[2]);
    }

    private static JsonObject Event(string path, int status, long micros, int? grpc = null)
    {
        var e = new JsonObject
        {
            ["type"] = "event",
            ["direction"] = "outbound",
            ["sourceMeta"] = new JsonObject { ["pod"] = "web-0" },
            ["destinationMeta"] = new JsonObject { ["pod"] = "backend-0" },
            ["method"] = "GET",
            ["path"] = path,
            ["status"] = status,
            ["responseInitMicros"] = micros / 2,
            ["responseEndMicros"] = micros,
            ["endOfStream"] = true,
        };
        if (grpc is { } code)
        {
            e["grpcStatus"] = code;
        }

        return e;
    }
}
