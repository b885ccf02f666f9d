using System.Text.Json.Nodes;
using Linnet.Cli.Api;
using Linnet.Cli.Output;
using Spectre.Console;

namespace Linnet.Cli.Commands.Apply;

/// <summary>After <c>apply</c> (and <c>up -f</c>): follows the image pulls of the Workloads just applied, as the
/// control plane reports them on their Instances (<c>spec.pull</c>), a line per change — layers done of all, bytes —
/// until every replica runs the image, a pull fails (the control plane retries it; apply does not wait for that), or
/// <see cref="Timeout"/> passes. Ctrl-C stops following, not the pull.</summary>
internal sealed class PullFollower(ControlPlaneClient client, IAnsiConsole console, TimeProvider time)
{
    /// <summary>How long apply follows a pull at most.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    // The last pull reported on each instance (namespace/name) that this follower saw.
    private readonly Dictionary<string, JsonNode> _lastPull = new(StringComparer.Ordinal);

    /// <summary>Follows the pulls of <paramref name="workloads"/> (namespace, name); true unless one failed.</summary>
    public async Task<bool> FollowAsync(IReadOnlyList<(string Namespace, string Name)> workloads, CancellationToken cancellationToken)
    {
        var printed = new Dictionary<string, string>(StringComparer.Ordinal);
        var finished = new HashSet<(string, string)>();
        var ok = true;
        var started = time.GetTimestamp();
        try
        {
            while (finished.Count < workloads.Count)
            {
                foreach (var ns in workloads.Where(w => !finished.Contains(w)).Select(w => w.Namespace).Distinct(StringComparer.Ordinal).ToList())
                {
                    var instances = (await client.ListAsync("Instance", ns, cancellationToken)).Body?["items"]?.AsArray() ?? [];
                    foreach (var workload in workloads.Where(w => w.Namespace == ns && !finished.Contains(w)))
                    {
                        var state = await StateAsync(workload, instances, printed, cancellationToken);
                        if (state is not null)
                        {
                            finished.Add(workload);
                            ok &= state.Value;
                        }
                    }
                }

                if (finished.Count == workloads.Count)
                {
                    break;
                }

                if (time.GetElapsedTime(started) >= Timeout)
                {
                    Line($"still pulling after {Timeout.TotalMinutes:0} min; `linnet get instances` shows how far");
                    break;
                }

                await Task.Delay(Poll, time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C: the resources are applied and the control plane goes on pulling.
        }
        catch (HttpRequestException ex)
        {
            Line($"stopped following the image pulls: {ex.Message}");
        }

        return ok;
    }

    // Whole lines, never wrapped at the console's width: a script or a test reads them as they come.
    private void Line(string text)
    {
        console.Profile.Out.Writer.WriteLine(text);
        console.Profile.Out.Writer.Flush();
    }

    /// <summary>Prints what changed for <paramref name="workload"/>; true once every replica runs its image, false
    /// once a pull failed, null while it goes on.</summary>
    private async Task<bool?> StateAsync((string Namespace, string Name) workload, JsonArray instances, Dictionary<string, string> printed, CancellationToken cancellationToken)
    {
        var response = await client.GetAsync("Workload", workload.Namespace, workload.Name, cancellationToken);
        if (!response.IsSuccess || response.Body?["spec"]?["image"]?.GetValue<string>() is not { } image)
        {
            // Deleted meanwhile, or no image (any more).
            return true;
        }

        var replicas = response.Body["spec"]?["replicas"]?.GetValue<int>() ?? 1;
        var mine = instances.Where(i => i?["spec"]?["workload"]?.GetValue<string>() == workload.Name).ToList();
        var failed = false;
        foreach (var instance in mine)
        {
            var name = $"{workload.Namespace}/{instance?["metadata"]?["name"]}";
            if (instance?["spec"]?["pull"] is not { } pull)
            {
                // Done between two polls: its completion (reported, but replaced by the running instance before this
                // poll saw it) is printed from the last progress seen, so that every pull followed ends with it.
                if (_lastPull.Remove(name, out var seen) && instance?["spec"]?["imageDigest"] is not null
                    && !ImagePullText.IsComplete(seen) && Completed(seen) is var completed && ImagePullText.IsComplete(completed))
                {
                    var done = $"{name}: {image}: {ImagePullText.Describe(completed)}";
                    printed[name] = done;
                    Line(done);
                }

                continue;
            }

            _lastPull[name] = pull.DeepClone();
            var line = $"{name}: {image}: {ImagePullText.Describe(pull)}";
            if (!printed.TryGetValue(name, out var last) || last != line)
            {
                printed[name] = line;
                Line(line);
            }

            failed |= pull["error"] is not null;
        }

        if (failed)
        {
            return false;
        }

        var running = mine.Where(i => i?["spec"]?["image"]?.GetValue<string>() == image && i["spec"]?["imageDigest"] is not null && i["spec"]?["pull"] is null).ToList();
        if (running.Count < replicas)
        {
            return null;
        }

        if (printed.Keys.Any(k => k.StartsWith($"{workload.Namespace}/{workload.Name}-", StringComparison.Ordinal)))
        {
            Line($"{workload.Namespace}/{workload.Name}: running {image} ({running[0]?["spec"]?["imageDigest"]})");
        }

        return true;
    }

    // A pull's progress with every layer and byte done.
    private static JsonNode Completed(JsonNode pull)
    {
        var done = pull.DeepClone();
        done["layersDone"] = done["layers"]?.DeepClone();
        done["bytesDone"] = done["bytesTotal"]?.DeepClone();
        return done;
    }
}
