using Linnet.Bench.ControlPlane;

// linnet-bench-cp serve
//     One control plane over an in-memory store on loopback ephemeral ports, driven over stdin (see ServeMode).
// linnet-bench-cp run --proxy-bin PATH --work DIR --results FILE [options: see RunOptions]
//     The whole benchmark: starts control planes, subscribers and proxies, measures, prints a markdown table.
// linnet-bench-cp scrape --proxy-bin PATH --work DIR --results FILE --prometheus PATH [options: see ScrapeOptions]
//     The embedded metrics source scraping real proxies beside Debian's Prometheus scraping the same ones.
try
{
    return args switch
    {
        ["serve"] => await ServeMode.RunAsync(),
        ["run", .. var rest] => await Driver.RunAsync(RunOptions.Parse(rest)),
        ["scrape", .. var rest] => await ScrapeBench.RunAsync(ScrapeOptions.Parse(rest)),
        _ => throw new ArgumentException("usage: linnet-bench-cp serve | run --proxy-bin PATH --work DIR --results FILE [...] | scrape --proxy-bin PATH --work DIR --results FILE --prometheus PATH [...]"),
    };
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"linnet-bench-cp: {ex.Message}");
    return 2;
}
