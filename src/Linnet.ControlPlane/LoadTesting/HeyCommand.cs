using System.Globalization;
using System.Text;
using Linnet.Api.Validation;

namespace Linnet.ControlPlane.LoadTesting;

/// <summary>Reads a flagger-loadtester <c>cmd</c> that runs <c>hey</c> (<c>hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/</c>)
/// into a <see cref="HeyLoad"/> that Linnet runs in process. No shell is spawned: anything but one <c>hey</c>
/// command with hey's flags (pipes, <c>;</c>, <c>&amp;&amp;</c>, redirections, other programs) is refused, so a webhook's
/// metadata can never run arbitrary commands on the host.</summary>
public static class HeyCommand
{
    /// <summary>The longest load test (<c>-z</c>).</summary>
    public static TimeSpan MaxDuration { get; } = TimeSpan.FromHours(1);

    /// <summary>The most requests (<c>-n</c>).</summary>
    public const int MaxRequests = 1_000_000;

    /// <summary>The most workers (<c>-c</c>).</summary>
    public const int MaxConcurrency = 1000;

    /// <summary>The load, or the reason it is refused.</summary>
    public static (HeyLoad? Load, string? Error) Parse(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (Split(command) is not { } words)
        {
            return (null, "unbalanced quotes");
        }

        if (words.Count == 0 || Path.GetFileName(words[0]) != "hey")
        {
            return (null, $"only hey is run (in process, no shell): '{(words.Count == 0 ? "" : words[0])}' is not hey");
        }

        if (words.FirstOrDefault(w => w is "|" or "||" or "&&" or ";" or "&" or ">" or ">>" or "<" || w.StartsWith('`') || w.StartsWith("$(", StringComparison.Ordinal)) is { } shell)
        {
            return (null, $"'{shell}' is shell syntax; no shell is run, give one hey command");
        }

        var load = (HeyLoad?)null;
        var method = "GET";
        int? requests = null;
        int? concurrency = null;
        double rate = 0;
        TimeSpan? duration = null;
        var timeout = TimeSpan.FromSeconds(20);
        var headers = new List<KeyValuePair<string, string>>();
        string? host = null;
        string? body = null;
        Uri? url = null;
        for (var i = 1; i < words.Count; i++)
        {
            var word = words[i];
            if (!word.StartsWith('-'))
            {
                if (url is not null)
                {
                    return (null, $"'{word}': hey takes one URL");
                }

                if (!Uri.TryCreate(word, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https") || url.Host.Length == 0)
                {
                    return (null, $"'{word}' is not an absolute http or https URL");
                }

                continue;
            }

            var flag = word.TrimStart('-');
            if (flag is "h2" or "disable-compression" or "disable-keepalive" or "disable-redirects" or "cpus" or "o" or "x" or "D" or "a" or "U")
            {
                return (null, $"hey's -{flag} is not supported by Linnet's in-process load generator (supported: -n -c -q -z -m -t -H -A -T -d -host)");
            }

            if (i + 1 >= words.Count)
            {
                return (null, $"-{flag} needs a value");
            }

            var value = words[++i];
            string? error = null;
            switch (flag)
            {
                case "n":
                    requests = Int(value, 1, MaxRequests, ref error);
                    break;
                case "c":
                    concurrency = Int(value, 1, MaxConcurrency, ref error);
                    break;
                case "q":
                    rate = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var q) && q >= 0 && q <= 100_000 ? q : Fail<double>(ref error, $"-q '{value}' is not a rate 0..100000");
                    break;
                case "z":
                    duration = Duration(value, MaxDuration, ref error);
                    break;
                case "t":
                    timeout = Int(value, 0, 3600, ref error) is var t and > 0 ? TimeSpan.FromSeconds(t) : System.Threading.Timeout.InfiniteTimeSpan;
                    break;
                case "m":
                    method = HttpSyntax.IsToken(value) ? value.ToUpperInvariant() : Fail<string>(ref error, $"-m '{value}' is not an HTTP method");
                    break;
                case "H":
                    var colon = value.IndexOf(':', StringComparison.Ordinal);
                    if (colon <= 0 || !HttpSyntax.IsToken(value[..colon]) || value.Any(char.IsControl))
                    {
                        error = $"-H '{value}' is not 'Name: value'";
                    }
                    else
                    {
                        headers.Add(new(value[..colon], value[(colon + 1)..].Trim()));
                    }

                    break;
                case "A":
                    headers.Add(new("Accept", value));
                    break;
                case "T":
                    headers.Add(new("Content-Type", value));
                    break;
                case "host":
                    host = value.Any(char.IsControl) ? Fail<string>(ref error, "-host has control characters") : value;
                    break;
                case "d":
                    body = value;
                    break;
                default:
                    error = $"-{flag} is not one of hey's flags that Linnet runs (-n -c -q -z -m -t -H -A -T -d -host)";
                    break;
            }

            if (error is not null)
            {
                return (null, error);
            }
        }

        if (url is null)
        {
            return (null, "hey needs the URL to load");
        }

        load = new HeyLoad(url)
        {
            Method = method,
            Requests = requests ?? 200,
            Concurrency = concurrency ?? 50,
            RatePerWorker = rate,
            Duration = duration,
            Timeout = timeout,
            Headers = headers,
            Host = host,
            Body = body,
        };

        // hey: fewer requests than workers is an error ("-n cannot be less than -c").
        return duration is null && load.Requests < load.Concurrency ? (null, "-n cannot be less than -c") : (load, null);
    }

    private static T Fail<T>(ref string? error, string reason)
    {
        error = reason;
        return default!;
    }

    private static int Int(string value, int min, int max, ref string? error) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : Fail<int>(ref error, $"'{value}' is not a whole number {min}..{max}");

    // hey's -z takes Go durations (10s, 1m, 1m30s).
    private static TimeSpan? Duration(string value, TimeSpan max, ref string? error) =>
        Core.Resources.GoDuration.TryParse(value, out var d) && d > TimeSpan.Zero && d <= max ? d : Fail<TimeSpan?>(ref error, $"-z '{value}' is not a duration up to 1h (such as 30s or 1m)");

    // Words as a POSIX shell splits them: whitespace, single and double quotes, backslash escapes in double quotes.
    private static List<string>? Split(string command)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (c is '\'' or '"')
            {
                var end = command.IndexOf(c, i + 1);
                if (end < 0)
                {
                    return null;
                }

                current.Append(command, i + 1, end - i - 1);
                inWord = true;
                i = end;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
