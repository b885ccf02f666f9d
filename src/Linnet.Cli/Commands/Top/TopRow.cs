namespace Linnet.Cli.Commands.Top;

/// <summary>One line of <c>linnet top</c>: the requests of one source, destination, method and path.</summary>
internal sealed record TopRow(string Source, string Destination, string Method, string Path)
{
    public long Count { get; set; }

    public long Successes { get; set; }

    /// <summary>Latencies (request start to response end), in microseconds.</summary>
    public long BestMicros { get; set; } = long.MaxValue;

    public long WorstMicros { get; set; }

    public long LastMicros { get; set; }

    public double SuccessRate => Count == 0 ? 0 : (double)Successes / Count;
}
