namespace Linnet.ControlPlane.LoadTesting;

/// <summary>A load test as <c>hey</c> describes it: <see cref="Requests"/> requests (or as many as fit in
/// <see cref="Duration"/>) by <see cref="Concurrency"/> workers, each at most <see cref="RatePerWorker"/> a second.</summary>
public sealed record HeyLoad(Uri Url)
{
    /// <summary><c>-m</c>: the method (default GET).</summary>
    public string Method { get; init; } = "GET";

    /// <summary><c>-n</c>: requests in all (default 200; ignored with <see cref="Duration"/>).</summary>
    public int Requests { get; init; } = 200;

    /// <summary><c>-c</c>: workers (default 50).</summary>
    public int Concurrency { get; init; } = 50;

    /// <summary><c>-q</c>: requests a second per worker; 0: no limit.</summary>
    public double RatePerWorker { get; init; }

    /// <summary><c>-z</c>: send for this long instead of a count.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary><c>-t</c>: per-request timeout (default 20 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary><c>-H</c>, <c>-A</c>, <c>-T</c>: request headers.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary><c>-host</c>: the Host header.</summary>
    public string? Host { get; init; }

    /// <summary><c>-d</c>: the request body.</summary>
    public string? Body { get; init; }
}
