using System.Globalization;

namespace Linnet.Bench.Identity;

/// <summary>The command line: <c>--linnet PATH --work DIR [--clients N] [--seconds S] [--threads T] [--clk-tck HZ]</c>.</summary>
/// <param name="Linnet">linnet.dll (the CLI, with the control plane) to run.</param>
/// <param name="Work">A scratch directory (the control plane's data directory goes inside).</param>
/// <param name="Clients">Concurrent Certify clients, each with an HTTP/2 connection of its own, like proxies.</param>
/// <param name="Duration">How long each measured phase runs.</param>
/// <param name="Threads">Threads for the in-process phases (default: the processor count).</param>
/// <param name="ClockTicks">Clock ticks per second of /proc's CPU times (<c>getconf CLK_TCK</c>, 100 on Linux).</param>
internal sealed record Options(string Linnet, string Work, int Clients, TimeSpan Duration, int Threads, int ClockTicks)
{
    public static Options Parse(string[] args)
    {
        string? linnet = null, work = null;
        int clients = 8, seconds = 10, threads = Environment.ProcessorCount, clockTicks = 100;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--linnet": linnet = value; break;
                case "--work": work = value; break;
                case "--clients": clients = Positive(args[i], value); break;
                case "--seconds": seconds = Positive(args[i], value); break;
                case "--threads": threads = Positive(args[i], value); break;
                case "--clk-tck": clockTicks = Positive(args[i], value); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        if (args.Length % 2 != 0)
        {
            throw new ArgumentException($"{args[^1]}: a value is missing");
        }

        return new Options(
            linnet ?? throw new ArgumentException("--linnet is required"),
            work ?? throw new ArgumentException("--work is required"),
            clients,
            TimeSpan.FromSeconds(seconds),
            threads,
            clockTicks);
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name}: '{value}' is not a positive number");
}
