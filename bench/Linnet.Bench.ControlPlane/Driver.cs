using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Linnet.Bench.ControlPlane;

/// <summary>One change and who got it when. Times in ms; "from ok" counts from the apply's HTTP 200 as the
/// client received it, "from send" from just before the apply was sent.</summary>
internal sealed record ChangeSample(
    string Scenario,
    int Round,
    long Revision,
    double ApplyMs,
    double WatchFromOkMs,
    double WatchFromSendMs,
    IReadOnlyList<double> FromOk,
    IReadOnlyList<double> FromSend,
    IReadOnlyList<double> Overhead,
    int Missing)
{
    /// <summary>Diagnostics: the control plane's worst thread-pool lateness since the previous change, its
    /// pool threads, and (proxy changes) a simulated subscriber on the same control plane, ms from the 200.</summary>
    public double PoolLateMs { get; init; } = double.NaN;

    public int PoolThreads { get; init; }

    public double CanaryMs { get; init; } = double.NaN;

    /// <summary>Proxy changes: CPU the proxies used (summed) from the apply until every one held it.</summary>
    public double ProxiesCpuMs { get; init; } = double.NaN;
}

/// <summary>Control-plane memory at one mesh size.</summary>
internal sealed record MemorySample(
    MeshSize Mesh,
    JsonObject Empty,
    JsonObject Small,
    JsonObject Seeded,
    JsonObject WithSubscribers,
    int Subscribers,
    double SeedSeconds,
    double ColdSnapshotMs,
    IReadOnlyList<double> WarmSnapshotMs,
    long SnapshotBytes,
    JsonObject Translation,
    IReadOnlyList<double> IdleApplyMs);

/// <summary><c>linnet-bench-cp run</c>: every phase of the benchmark, then the report.</summary>
internal static class Driver
{
    public static async Task<int> RunAsync(RunOptions options)
    {
        using var cts = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            cts.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            cts.Cancel();
        });
        var run = new BenchRun(options);
        try
        {
            await run.ExecuteAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("interrupted: every process started was stopped");
            return 130;
        }

        var report = run.Report();
        await File.WriteAllTextAsync(options.ResultsFile, report, CancellationToken.None);
        await Console.Out.WriteLineAsync(run.Summary());
        await Console.Out.WriteLineAsync($"results: {options.ResultsFile}");
        return 0;
    }
}

/// <summary>CPU ticks of the control plane, the driver and the proxies at one moment.</summary>
internal readonly record struct CpuMark(long Cp, long Driver, long Proxies)
{
    public static CpuMark Take(ControlPlaneProcess cp, ProxyFleet? proxies) =>
        new(ProcFs.CpuTicks(cp.Pid), ProcFs.CpuTicks(Environment.ProcessId), proxies?.Pids.Sum(ProcFs.CpuTicks) ?? 0);

    public (double CpMs, double DriverMs, double ProxiesMs) Since(ControlPlaneProcess cp, ProxyFleet? proxies, int clockTicks)
    {
        var now = Take(cp, proxies);
        double Ms(long ticks) => ticks * 1000.0 / clockTicks;
        return (Ms(now.Cp - Cp), Ms(now.Driver - Driver), Ms(now.Proxies - Proxies));
    }
}

internal sealed class BenchRun
{
    private static readonly TimeSpan UpdateTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly RunOptions _o;
    private readonly NoiseMeter _noise;
    private readonly HashSet<int> _pids = [Environment.ProcessId];
    private readonly List<ChangeSample> _samples = [];
    private readonly List<MemorySample> _memory = [];
    private readonly List<string> _problems = [];
    private readonly List<string> _info = [];
    private readonly List<string> _logs = [];
    private readonly Dictionary<string, JsonObject> _cpMemory = [];
    private readonly Dictionary<string, (double CpMs, double DriverMs, double ProxiesMs, int Changes)> _cpu = [];
    private double _pollingCores = double.NaN;
    private IReadOnlyList<double> _proxyRssKb = [];
    private IReadOnlyList<double> _proxyRssIdleKb = [];
    private double _proxiesReadyMs = double.NaN;
    private IReadOnlyList<double> _subscriberSnapshotMs = [];

    public BenchRun(RunOptions options)
    {
        _o = options;
        _noise = new NoiseMeter(() => _pids.ToArray(), options.ClockTicks, TimeSpan.FromSeconds(options.QuietWaitSeconds));
    }

    private string SubscribersScenario => string.Create(CultureInfo.InvariantCulture, $"{_o.Subscribers:N0} simulated subscribers, {_o.Mesh.Endpoints:N0} endpoints");

    private string ProxiesScenario => string.Create(CultureInfo.InvariantCulture, $"{_o.Proxies} linnet-proxy processes, {_o.Mesh.Endpoints:N0} endpoints");

    public async Task ExecuteAsync(CancellationToken ct)
    {
        foreach (var mesh in _o.MemoryMeshes)
        {
            Log($"memory: control plane with {mesh.Endpoints:N0} endpoints ({mesh.Services} Services x {mesh.Instances} Instances) ...");
            await MemoryAsync(mesh, ct);
        }

        Log($"propagation: control plane A ({_o.Mesh.Endpoints:N0} endpoints) with {_o.Subscribers} simulated subscribers ...");
        await using var cpA = await StartControlPlaneAsync("cp-subscribers", _o.Mesh, ct);
        var started = Stopwatch.GetTimestamp();
        await using var subscribers = await SubscriberFleet.ConnectAsync(cpA, _o.WorkDir, _o.Subscribers, TimeSpan.FromSeconds(300), ct);
        _subscriberSnapshotMs = subscribers.SnapshotMs();
        _info.Add(string.Create(CultureInfo.InvariantCulture,
            $"{_o.Subscribers} subscribers over {subscribers.Connections} HTTP/2 connections (≤ {SubscriberFleet.MaxStreamsPerConnection} streams each; Kestrel's limit of 100 left as is) held their snapshots {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s after the first call; per-subscriber snapshot time p50 {Stats.Median(_subscriberSnapshotMs):F0} ms, max {Stats.Max(_subscriberSnapshotMs):F0} ms"));
        _logs.Add(cpA.Name);

        ControlPlaneProcess? cpB = null;
        ProxyFleet? proxies = null;
        SubscriberFleet? canary = null;
        try
        {
            if (_o.Proxies > 0)
            {
                Log($"propagation: control plane B ({_o.Mesh.Endpoints:N0} endpoints) with {_o.Proxies} linnet-proxy processes ...");
                ProxyFleet.CheckPortsFree(_o.Proxies, _o.PortBase);
                cpB = await StartControlPlaneAsync("cp-proxies", _o.Mesh, ct);
                _logs.Add(cpB.Name);
                proxies = await ProxyFleet.StartAsync(_o.ProxyBin, _o.Proxies, cpB, _o.WorkDir, _o.PortBase, ct);
                _pids.UnionWith(proxies.Pids);
                _proxiesReadyMs = await proxies.WaitReadyAsync(TimeSpan.FromSeconds(180), ct);
                // One simulated subscriber beside the proxies: when the control plane delivered each change to a
                // stream that does nothing else, to tell control-plane delays from the proxies' own.
                canary = await SubscriberFleet.ConnectAsync(cpB, _o.WorkDir, 1, TimeSpan.FromSeconds(60), ct);
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
                _proxyRssIdleKb = proxies.RssKb();
                _pollingCores = await PollingCostAsync(proxies, ct);
            }

            for (var round = 1; round <= _o.Rounds; round++)
            {
                Log($"round {round}/{_o.Rounds}: {_o.Changes} changes to {_o.Subscribers} subscribers ...");
                await MeasureSubscribersAsync(SubscribersScenario, cpA, [subscribers], round, _o.Changes, round == 1 ? 3 : 0, ct);
                if (cpB is not null && proxies is not null)
                {
                    Log($"round {round}/{_o.Rounds}: {_o.ProxyChanges} changes to {_o.Proxies} proxies ...");
                    await MeasureProxiesAsync(cpB, proxies, canary!, round, round == 1 ? 2 : 0, ct);
                }
            }

            _cpMemory[SubscribersScenario] = await cpA.CommandAsync("mem", CommandTimeout, ct);
            await CheckConnectedAsync(cpA, _o.Subscribers, ct);
            if (subscribers.Failures > 0)
            {
                _problems.Add($"{subscribers.Failures} subscriber streams failed; first: {subscribers.FirstFailure}");
            }

            if (cpB is not null && proxies is not null)
            {
                _proxyRssKb = proxies.RssKb();
                _cpMemory[ProxiesScenario] = await cpB.CommandAsync("mem", CommandTimeout, ct);
                await CheckConnectedAsync(cpB, _o.Proxies + 1, ct); // the proxies and the canary
                if (proxies.Exited > 0)
                {
                    _problems.Add($"{proxies.Exited} proxies exited during the run");
                }

                var (warnings, first) = proxies.Warnings(_o.WorkDir);
                if (warnings > 0)
                {
                    _problems.Add($"proxies logged {warnings} warnings/errors; first: {first}");
                }
            }
        }
        finally
        {
            if (canary is not null)
            {
                await canary.DisposeAsync();
            }

            if (proxies is not null)
            {
                await proxies.DisposeAsync();
            }

            if (cpB is not null)
            {
                await cpB.DisposeAsync();
            }
        }
    }

    private static void Log(string message) => Console.Error.WriteLine(message);

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static async Task GapAsync(CancellationToken ct) =>
        await Task.Delay(TimeSpan.FromMilliseconds(300 + RandomNumberGenerator.GetInt32(200)), ct);

    private async Task<ControlPlaneProcess> StartControlPlaneAsync(string name, MeshSize mesh, CancellationToken ct)
    {
        var cp = await ControlPlaneProcess.StartAsync(name, Path.Combine(_o.WorkDir, name + ".log"), ct);
        _pids.Add(cp.Pid);
        await cp.CommandAsync(string.Create(CultureInfo.InvariantCulture, $"seed {mesh.Services} {mesh.Instances}"), TimeSpan.FromSeconds(300), ct);
        await cp.RefreshRevisionAsync(ct);
        return cp;
    }

    private async Task MemoryAsync(MeshSize mesh, CancellationToken ct)
    {
        var name = $"cp-memory-{mesh}";
        await using var cp = await ControlPlaneProcess.StartAsync(name, Path.Combine(_o.WorkDir, name + ".log"), ct);
        _pids.Add(cp.Pid);
        _logs.Add(name);
        await _noise.WaitQuietAsync(ct);
        var empty = await cp.CommandAsync("mem", CommandTimeout, ct);
        // One Instance per Service first, so that the code paths (apply, commit) are loaded before the
        // marginal cost of the other endpoints is taken.
        await cp.CommandAsync(string.Create(CultureInfo.InvariantCulture, $"seed {mesh.Services} 1"), TimeSpan.FromSeconds(300), ct);
        var small = await cp.CommandAsync("mem", CommandTimeout, ct);
        var seed = await cp.CommandAsync(string.Create(CultureInfo.InvariantCulture, $"seed {mesh.Services} {mesh.Instances}"), TimeSpan.FromSeconds(300), ct);
        await cp.RefreshRevisionAsync(ct);
        var seeded = await cp.CommandAsync("mem", CommandTimeout, ct);
        var translation = await cp.CommandAsync("translate", CommandTimeout, ct);
        // A control for the propagation figures below: the apply's round trip with nobody subscribed.
        var idleApplies = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            await GapAsync(ct);
            var (_, sentAt, okAt) = await cp.ApplyRouteAsync(ct);
            idleApplies.Add(Ms(okAt - sentAt));
        }

        _noise.Begin();
        // The first subscriber alone: its snapshot includes translating the whole mesh (nothing asked for a
        // view before). Then the others at once: the view is cached, each gets the cached message.
        await using var first = await SubscriberFleet.ConnectAsync(cp, _o.WorkDir, 1, TimeSpan.FromSeconds(120), ct);
        var cold = first.SnapshotMs()[0];
        var rest = _o.MemorySubscribers > 1
            ? await SubscriberFleet.ConnectAsync(cp, _o.WorkDir, _o.MemorySubscribers - 1, TimeSpan.FromSeconds(300), ct)
            : null;
        try
        {
            _noise.End($"memory {mesh}: snapshots");
            var withSubscribers = await cp.CommandAsync("mem", CommandTimeout, ct);
            _memory.Add(new MemorySample(mesh, empty, small, seeded, withSubscribers, _o.MemorySubscribers, (double)seed["seconds"]!, cold,
                rest?.SnapshotMs() ?? [], first.SnapshotBytes, translation, idleApplies));

            var scenario = string.Create(CultureInfo.InvariantCulture, $"{_o.MemorySubscribers} simulated subscribers, {mesh.Endpoints:N0} endpoints ({mesh.Services} Services × {mesh.Instances})");
            Log($"memory: {_o.MemoryChanges} changes to {_o.MemorySubscribers} subscribers at {mesh.Endpoints:N0} endpoints ...");
            await MeasureSubscribersAsync(scenario, cp, rest is null ? [first] : [first, rest], 1, _o.MemoryChanges, 1, ct);
        }
        finally
        {
            if (rest is not null)
            {
                await rest.DisposeAsync();
            }
        }

        _pids.Remove(cp.Pid);
    }

    private async Task MeasureSubscribersAsync(string scenario, ControlPlaneProcess cp, IReadOnlyList<SubscriberFleet> fleets, int round, int changes, int warmups, CancellationToken ct)
    {
        await _noise.WaitQuietAsync(ct);
        _noise.Begin();
        var mark = CpuMark.Take(cp, null);
        for (var k = 0; k < warmups + changes; k++)
        {
            if (k == warmups)
            {
                mark = CpuMark.Take(cp, null);
            }

            await GapAsync(ct);
            await cp.SettleAsync(ct);
            var expected = cp.NextRevision;
            foreach (var fleet in fleets)
            {
                fleet.Expect(expected);
            }

            var (revision, sent, ok) = await cp.ApplyRouteAsync(ct);
            var received = new List<long>();
            foreach (var fleet in fleets)
            {
                received.AddRange(await fleet.WaitAsync(UpdateTimeout, ct));
            }

            if (revision != expected)
            {
                _problems.Add($"{scenario}: the apply made revision {revision}, expected {expected}; change skipped");
                continue;
            }

            var (watch, late, threads) = await WatchAsync(cp, revision, ct);
            if (k >= warmups)
            {
                _samples.Add(Sample(scenario, round, revision, sent, ok, watch, received) with { PoolLateMs = late, PoolThreads = threads });
            }
        }

        _noise.End($"r{round} {scenario}");
        Cpu(scenario, mark.Since(cp, null, _o.ClockTicks), changes);
    }

    // Changes alternate between two ways of seeing that a proxy holds the new version: polling its admin
    // /config-version every PollMs ms (the figure asked for; the polling loads the machine), and the
    // timestamp of the proxy's own "Config <version> applied" log line (ServiceTable logs it as the new
    // table takes effect, which is when /config-version changes; 1 ms resolution, wall clock), with no
    // polling at all.
    private async Task MeasureProxiesAsync(ControlPlaneProcess cp, ProxyFleet proxies, SubscriberFleet canary, int round, int warmups, CancellationToken ct)
    {
        var interval = TimeSpan.FromMilliseconds(_o.PollMs);
        await _noise.WaitQuietAsync(ct);
        _noise.Begin();
        for (var k = 0; k < (warmups + _o.ProxyChanges) * 2; k++)
        {
            var polled = k % 2 == 0;
            var scenario = polled ? ProxiesPolledScenario : ProxiesLogScenario;
            await GapAsync(ct);
            await cp.SettleAsync(ct);
            var before = CpuMark.Take(cp, proxies);
            var expected = cp.NextRevision;
            var version = expected.ToString(CultureInfo.InvariantCulture);
            long revision, sent, ok;
            (long At, double PoolLateMs, int PoolThreads) watch;
            ChangeSample sample;
            canary.Expect(expected);
            if (polled)
            {
                // Polling starts a few intervals before the apply, so that it is in its steady state when the
                // update goes out (and a proxy that has it before the apply's 200 arrives is seen at once).
                var polling = proxies.WaitVersionAsync(version, interval, UpdateTimeout, ct);
                await Task.Delay(interval * 3, ct);
                (revision, sent, ok) = await cp.ApplyRouteAsync(ct);
                var received = await polling;
                watch = await WatchAsync(cp, revision, ct);
                sample = Sample(scenario, round, revision, sent, ok, watch.At, received);
            }
            else
            {
                (revision, sent, ok) = await cp.ApplyRouteAsync(ct);
                var okLocal = TimeProvider.System.GetLocalNow();
                var applied = await proxies.AppliedAtAsync(version, UpdateTimeout, ct);
                watch = await WatchAsync(cp, revision, ct);
                var received = applied.Select(t => t is { } tod ? ok + ToTicks(TimeOfDayDifferenceMs(tod, okLocal.TimeOfDay)) : 0).ToList();
                sample = Sample(scenario, round, revision, sent, ok, watch.At, received);
            }

            var canaryAt = (await canary.WaitAsync(UpdateTimeout, ct))[0];
            sample = sample with
            {
                PoolLateMs = watch.PoolLateMs,
                PoolThreads = watch.PoolThreads,
                CanaryMs = canaryAt == 0 ? double.NaN : Ms(canaryAt - ok),
            };

            if (revision != expected)
            {
                _problems.Add($"{scenario}: the apply made revision {revision}, expected {expected}; change skipped");
                continue;
            }

            if (k >= warmups * 2)
            {
                var used = before.Since(cp, proxies, _o.ClockTicks);
                _samples.Add(sample with { ProxiesCpuMs = used.ProxiesMs });
                Cpu(scenario, used, 1);
            }
        }

        _noise.End($"r{round} {_o.Proxies} proxies");
    }

    private string ProxiesPolledScenario => string.Create(CultureInfo.InvariantCulture, $"{ProxiesScenario}, polled every {_o.PollMs} ms");

    private string ProxiesLogScenario => $"{ProxiesScenario}, from proxy log timestamps (no polling)";

    private static double TimeOfDayDifferenceMs(TimeSpan a, TimeSpan b)
    {
        var ms = (a - b).TotalMilliseconds;
        return ms < -43_200_000 ? ms + 86_400_000 : ms > 43_200_000 ? ms - 86_400_000 : ms;
    }

    private static long ToTicks(double ms) => (long)(ms * Stopwatch.Frequency / 1000);

    // The measurement's own cost: 2 s of polling every proxy (no change under way), in cores used by the
    // proxies and the driver together.
    private async Task<double> PollingCostAsync(ProxyFleet proxies, CancellationToken ct)
    {
        var before = proxies.Pids.Sum(ProcFs.CpuTicks) + ProcFs.CpuTicks(Environment.ProcessId);
        var started = Stopwatch.GetTimestamp();
        // A version no proxy reaches: the poll runs its whole 2 s.
        await proxies.WaitVersionAsync(long.MaxValue.ToString(CultureInfo.InvariantCulture), TimeSpan.FromMilliseconds(_o.PollMs), TimeSpan.FromSeconds(2), ct);
        var ticks = proxies.Pids.Sum(ProcFs.CpuTicks) + ProcFs.CpuTicks(Environment.ProcessId) - before;
        return ticks / (double)_o.ClockTicks / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private void Cpu(string scenario, (double CpMs, double DriverMs, double ProxiesMs) used, int changes)
    {
        var previous = _cpu.GetValueOrDefault(scenario);
        _cpu[scenario] = (previous.CpMs + used.CpMs, previous.DriverMs + used.DriverMs, previous.ProxiesMs + used.ProxiesMs, previous.Changes + changes);
    }

    private static async Task<(long At, double PoolLateMs, int PoolThreads)> WatchAsync(ControlPlaneProcess cp, long revision, CancellationToken ct)
    {
        var reply = await cp.CommandAsync(string.Create(CultureInfo.InvariantCulture, $"watch {revision}"), CommandTimeout, ct);
        return ((long)reply["ts"]!, (double)reply["pool_late_ms"]!, (int)reply["pool_threads"]!);
    }

    private ChangeSample Sample(string scenario, int round, long revision, long sent, long ok, long watch, IReadOnlyList<long> received)
    {
        var got = received.Where(t => t != 0).ToList();
        var missing = received.Count - got.Count;
        if (missing > 0)
        {
            _problems.Add(string.Create(CultureInfo.InvariantCulture, $"{scenario}, revision {revision}: {missing} of {received.Count} did not hold it within {UpdateTimeout.TotalSeconds} s"));
        }

        return new ChangeSample(
            scenario,
            round,
            revision,
            Ms(ok - sent),
            Ms(watch - ok),
            Ms(watch - sent),
            got.Select(t => Ms(t - ok)).ToList(),
            got.Select(t => Ms(t - sent)).ToList(),
            got.Select(t => Ms(t - watch)).ToList(),
            missing);
    }

    private async Task CheckConnectedAsync(ControlPlaneProcess cp, int expected, CancellationToken ct)
    {
        var version = (await cp.RefreshRevisionAsync(ct)).ToString(CultureInfo.InvariantCulture);
        var (connected, atVersion) = await cp.ProxiesAsync(version, ct);
        _info.Add($"{cp.Name}: /api/v1/proxies lists {connected} subscribers, {atVersion} at the latest version {version}");
        if (connected != expected || atVersion != expected)
        {
            _problems.Add($"{cp.Name}: expected {expected} subscribers at version {version}, /api/v1/proxies lists {connected} ({atVersion} at it)");
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Report

    public string Summary()
    {
        var sb = new StringBuilder();
        Tables(sb);
        if (_problems.Count > 0)
        {
            sb.AppendLine().AppendLine("Problems seen:");
            foreach (var p in _problems)
            {
                sb.Append("- ").AppendLine(p);
            }
        }

        return sb.ToString();
    }

    public string Report()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# Control-plane benchmark {_o.Timestamp}").AppendLine().AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Command: `{_o.Command}`").AppendLine().AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"- Date (UTC): {_o.Timestamp}; commit {_o.Commit}").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"- Host: {Environment.ProcessorCount} cores ({CpuModel()}), {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, .NET {Environment.Version}; load average at the end: {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"- Settings: rounds {_o.Rounds}, {_o.Changes} changes per round to {_o.Subscribers} subscribers, {_o.ProxyChanges} per round to {_o.Proxies} proxies (polled every {_o.PollMs} ms), propagation mesh {_o.Mesh} ({_o.Mesh.Endpoints:N0} endpoints), memory meshes {string.Join(", ", _o.MemoryMeshes)} with {_o.MemorySubscribers} subscribers").AppendLine();
        sb.AppendLine();
        Tables(sb);
        Notes(sb);
        if (_problems.Count > 0)
        {
            sb.AppendLine().AppendLine("## Problems seen").AppendLine();
            foreach (var p in _problems)
            {
                sb.Append("- ").AppendLine(p);
            }
        }

        sb.AppendLine().AppendLine("## Per change").AppendLine();
        sb.AppendLine("| scenario | round | revision | apply ms | store watch from 200 ms | received p50 ms | p99 ms | max ms | missing | CP pool: max lateness ms / threads | canary subscriber ms | proxies' CPU ms |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in _samples)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {s.Scenario} | {s.Round} | {s.Revision} | {Stats.F(s.ApplyMs, 2)} | {Stats.F(s.WatchFromOkMs, 2)} | {Stats.F(Stats.Median(s.FromOk))} | {Stats.F(Stats.Percentile(s.FromOk, 99))} | {Stats.F(Stats.Max(s.FromOk))} | {s.Missing} | {Stats.F(s.PoolLateMs)} / {s.PoolThreads} | {Stats.F(s.CanaryMs)} | {Stats.F(s.ProxiesCpuMs, 0)} |").AppendLine();
        }

        sb.AppendLine().AppendLine("## Background CPU per phase (cores used by processes this benchmark did not start)").AppendLine();
        foreach (var r in _noise.Records)
        {
            sb.Append("- ").AppendLine(r);
        }

        foreach (var name in _logs)
        {
            var path = Path.Combine(_o.WorkDir, name + ".log");
            if (File.Exists(path))
            {
                sb.AppendLine().Append(CultureInfo.InvariantCulture, $"## {name} log (last 5 lines)").AppendLine().AppendLine().AppendLine("```");
                foreach (var line in File.ReadLines(path).TakeLast(5))
                {
                    sb.AppendLine(line);
                }

                sb.AppendLine("```");
            }
        }

        return sb.ToString();
    }

    private void Tables(StringBuilder sb)
    {
        sb.AppendLine("### Propagation: apply (HTTP 200) → subscriber holds the new version");
        sb.AppendLine();
        sb.AppendLine("| scenario | pairs | p50 ms | p99 ms | max ms | from apply send p50 / p99 ms | peer: store watch, from send, p50 / p99 ms | overhead (subscriber − watch) p50 / p99 ms | subscriber ÷ watch (from send) p50 / p99 | apply round trip p50 / max ms | CPU ms / change: CP / driver (/ proxies) | target |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var scenario in _samples.Select(s => s.Scenario).Distinct())
        {
            var samples = _samples.Where(s => s.Scenario == scenario).ToList();
            var fromOk = samples.SelectMany(s => s.FromOk).ToList();
            var fromSend = samples.SelectMany(s => s.FromSend).ToList();
            var overhead = samples.SelectMany(s => s.Overhead).ToList();
            var watchSend = samples.Select(s => s.WatchFromSendMs).ToList();
            var applies = samples.Select(s => s.ApplyMs).ToList();
            var p99 = Stats.Percentile(fromOk, 99);
            var target = scenario == SubscribersScenario && _o.Subscribers >= 1000
                ? (p99 <= 1000 ? "p99 ≤ 1 s: met" : "p99 ≤ 1 s: missed")
                : "";
            var cpu = _cpu.TryGetValue(scenario, out var c) ? Stats.F(c.CpMs / c.Changes, 0) : "—";
            var driverCpu = _cpu.TryGetValue(scenario, out var d) ? Stats.F(d.DriverMs / d.Changes, 0) : "—";
            if (d.ProxiesMs > 0)
            {
                driverCpu += " / proxies " + Stats.F(d.ProxiesMs / d.Changes, 0);
            }
            sb.Append(CultureInfo.InvariantCulture,
                $"| {scenario} | {fromOk.Count:N0} | {Stats.F(Stats.Median(fromOk))} | {Stats.F(p99)} | {Stats.F(Stats.Max(fromOk))} | {Stats.F(Stats.Median(fromSend))} / {Stats.F(Stats.Percentile(fromSend, 99))} | {Stats.F(Stats.Median(watchSend))} / {Stats.F(Stats.Percentile(watchSend, 99))} | {Stats.F(Stats.Median(overhead))} / {Stats.F(Stats.Percentile(overhead, 99))} | {Ratio(Stats.Median(fromSend), Stats.Median(watchSend))} / {Ratio(Stats.Percentile(fromSend, 99), Stats.Percentile(watchSend, 99))} | {Stats.F(Stats.Median(applies))} / {Stats.F(Stats.Max(applies))} | {cpu} / {driverCpu} | {target} |").AppendLine();
        }

        var perRound = _samples.GroupBy(s => s.Scenario).Select(g =>
        {
            var p99s = g.GroupBy(s => s.Round).Select(r => Stats.Percentile(r.SelectMany(s => s.FromOk).ToList(), 99)).ToList();
            return string.Create(CultureInfo.InvariantCulture,
                $"{g.Key}: {string.Join(" / ", p99s.Select(p => Stats.F(p)))} ms{(p99s.Count > 1 ? $" (median {Stats.F(Stats.Median(p99s))})" : "")}");
        });
        sb.AppendLine();
        sb.Append("p99 per round: ").AppendJoin("; ", perRound).AppendLine(".");
        sb.Append("Control plane's thread-pool lateness around changes (10 ms probe), p50 / max: ").AppendJoin("; ", _samples.GroupBy(s => s.Scenario).Select(g =>
        {
            var late = g.Select(s => s.PoolLateMs).Where(double.IsFinite).ToList();
            return string.Create(CultureInfo.InvariantCulture, $"{g.Key}: {Stats.F(Stats.Median(late))} / {Stats.F(Stats.Max(late))} ms");
        })).AppendLine(".");
        var canaries = _samples.Select(s => s.CanaryMs).Where(double.IsFinite).ToList();
        if (canaries.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Canary (1 simulated subscriber on the proxies' control plane), from the 200: p50 {Stats.F(Stats.Median(canaries))} / p99 {Stats.F(Stats.Percentile(canaries, 99))} / max {Stats.F(Stats.Max(canaries))} ms.").AppendLine();
        }


        sb.AppendLine();
        sb.AppendLine("### Memory");
        sb.AppendLine();
        sb.AppendLine("| measurement | value | peer / per endpoint | target |");
        sb.AppendLine("|---|---:|---:|---|");
        foreach (var m in _memory)
        {
            var empty = Kb(m.Empty, "rss_kb");
            var small = Kb(m.Small, "rss_kb");
            var seeded = Kb(m.Seeded, "rss_kb");
            var withSubs = Kb(m.WithSubscribers, "rss_kb");
            var perEndpoint = (seeded - small) * 1024 / (m.Mesh.Endpoints - m.Mesh.Services);
            var e = string.Create(CultureInfo.InvariantCulture, $"{m.Mesh.Endpoints:N0} endpoints ({m.Mesh.Services} Services × {m.Mesh.Instances})");
            Row(sb, string.Create(CultureInfo.InvariantCulture, $"**Mesh {m.Mesh.Services} × {m.Mesh.Instances}**: CP RSS, empty store, fresh process"), Mb(empty), "", "");
            Row(sb, string.Create(CultureInfo.InvariantCulture, $"CP RSS, {m.Mesh.Services} Services × 1 Instance"), Mb(small), string.Create(CultureInfo.InvariantCulture, $"+{(small - empty) / 1024:F1} MB over empty (code paths loaded)"), "");
            Row(sb, $"CP RSS, {e}, 0 subscribers", Mb(seeded), string.Create(CultureInfo.InvariantCulture, $"{perEndpoint:F0} B per added endpoint (vs {m.Mesh.Services} × 1); {seeded * 1024 / m.Mesh.Endpoints:F0} B/endpoint in all"), Verdict(seeded / 1024 <= 300, "≤ 300 MB"));
            Row(sb, $"CP RSS, {e}, {m.Subscribers} subscribers", Mb(withSubs), string.Create(CultureInfo.InvariantCulture, $"+{(withSubs - seeded) / 1024:F1} MB for {m.Subscribers} subscribers ({(withSubs - seeded) / m.Subscribers:F0} KB each)"), Verdict(withSubs / 1024 <= 300, "≤ 300 MB"));
            Row(sb, string.Create(CultureInfo.InvariantCulture, $"  GC heap after collect: 0 / {m.Subscribers} subscribers"), string.Create(CultureInfo.InvariantCulture, $"{Bytes(m.Seeded, "gc_heap_bytes"):F1} / {Bytes(m.WithSubscribers, "gc_heap_bytes"):F1} MB"), string.Create(CultureInfo.InvariantCulture, $"of which pinned (POH: Kestrel's block pool) {Bytes(m.Seeded, "poh_bytes"):F1} / {Bytes(m.WithSubscribers, "poh_bytes"):F1} MB; RSS before collecting {Mb(Kb(m.Seeded, "rss_before_gc_kb"))} / {Mb(Kb(m.WithSubscribers, "rss_before_gc_kb"))}"), "");
            Row(sb, "  initial snapshot, first subscriber (translates the mesh)", string.Create(CultureInfo.InvariantCulture, $"{m.ColdSnapshotMs:F0} ms"), string.Create(CultureInfo.InvariantCulture, $"{m.SnapshotBytes / 1024.0:F0} KiB message"), "");
            Row(sb, "  full translation of the store (MeshTranslator, run once per commit), median of 5", string.Create(CultureInfo.InvariantCulture, $"{(double)m.Translation["ms"]!:F1} ms"), string.Create(CultureInfo.InvariantCulture, $"min {(double)m.Translation["min_ms"]!:F1} ms, {(int)m.Translation["services"]!} service ports"), "");
            Row(sb, "  apply round trip with 0 subscribers, median of 5 (the scenario's table row has it with subscribers)", string.Create(CultureInfo.InvariantCulture, $"{Stats.Median(m.IdleApplyMs):F1} ms"), string.Create(CultureInfo.InvariantCulture, $"max {Stats.Max(m.IdleApplyMs):F1} ms"), "");
            if (m.WarmSnapshotMs.Count > 0)
            {
                Row(sb, string.Create(CultureInfo.InvariantCulture, $"  initial snapshot, {m.WarmSnapshotMs.Count} more subscribing at once, p50 / max"), string.Create(CultureInfo.InvariantCulture, $"{Stats.Median(m.WarmSnapshotMs):F0} / {Stats.Max(m.WarmSnapshotMs):F0} ms"), "", "");
            }
        }

        foreach (var (scenario, mem) in _cpMemory)
        {
            Row(sb, $"CP RSS at the end, {scenario}", Mb(Kb(mem, "rss_kb")), "", "");
        }

        if (_proxyRssKb.Count > 0)
        {
            Row(sb, $"linnet-proxy RSS, sum of {_proxyRssKb.Count} (after sync / at the end)", string.Create(CultureInfo.InvariantCulture, $"{_proxyRssIdleKb.Sum() / 1024:F0} / {_proxyRssKb.Sum() / 1024:F0} MB"), "", "");
            Row(sb, "linnet-proxy RSS per proxy at the end, p50 / max", string.Create(CultureInfo.InvariantCulture, $"{Stats.Median(_proxyRssKb) / 1024:F1} / {Stats.Max(_proxyRssKb) / 1024:F1} MB"), "", "");
            Row(sb, string.Create(CultureInfo.InvariantCulture, $"polling {_proxyRssKb.Count} proxies' /config-version every {_o.PollMs} ms, no change under way (the measurement's own load)"), string.Create(CultureInfo.InvariantCulture, $"{_pollingCores:F2} cores"), "proxies + driver", "");
            Row(sb, $"{_proxyRssKb.Count} proxies: start → all /ready", string.Create(CultureInfo.InvariantCulture, $"{_proxiesReadyMs / 1000:F1} s"), "", "");
        }
    }

    private void Notes(StringBuilder sb)
    {
        sb.AppendLine();
        sb.AppendLine("- The change is an HTTPRoute weight change on svc-0 through `POST /api/v1/apply` (one commit; the update carries svc-0 only). Each change waits until every subscriber holds it, then 300-500 ms.");
        sb.AppendLine("- Peer: no other control plane exists on this machine. The in-run floor is the control plane's own store: an in-process `IResourceStore.WatchAsync` watcher in the control-plane process, timestamped on the same monotonic clock. It fires before the apply's 200 is written, so \"from 200\" it is negative; the ratio is therefore taken from the apply's send.");
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"- Simulated subscribers share one process (the driver) with {SubscriberFleet.MaxStreamsPerConnection} streams per HTTP/2 connection; a receive time is taken when the reader holds the parsed message. Proxies are polled on `/config-version` every {_o.PollMs} ms each: their figures are upper bounds with that resolution."));
        sb.AppendLine("- Memory: the control plane runs alone in its own process (JIT, workstation GC, as under `linnet control-plane`, without the universal supervisor), RSS from /proc after two forced full compacting GCs, median of 3 readings. B per added endpoint = (RSS at S × I − RSS at S × 1) ÷ (S × (I − 1)): the marginal cost, with the code paths already loaded.");
        sb.AppendLine("- CPU per change: utime+stime ÷ changes, of the control-plane process, the driver (which holds the simulated subscribers and polls the proxies) and the sum of the proxies; for subscribers over the whole phase (gaps included), for proxies from the apply (polling included) until every proxy held the change.");
        sb.AppendLine("- Per-change diagnostics: \"CP pool lateness\" is the worst delay of a 10 ms periodic timer on the control plane's thread pool since the previous change (queued work waited that long for a thread); \"canary\" is one simulated subscriber on the proxies' control plane.");
        sb.AppendLine("- Proxy changes alternate: polled ones, then ones read from each proxy's own `Config <version> applied` log line (wall clock, 1 ms resolution, no polling), so the polling's own load can be told apart.");
        foreach (var i in _info)
        {
            sb.Append("- ").AppendLine(i);
        }

        sb.Append(CultureInfo.InvariantCulture, $"- Background CPU (processes this benchmark did not start), max over phases: {_noise.MaxCores:F2} cores; above 0.2 cores: {(_noise.Noisy.Count > 0 ? string.Join("; ", _noise.Noisy) : "none")}.").AppendLine();
    }

    private static void Row(StringBuilder sb, string label, string value, string peer, string target) =>
        sb.Append(CultureInfo.InvariantCulture, $"| {label} | {value} | {peer} | {target} |").AppendLine();

    private static string Verdict(bool ok, string text) => $"{text}: {(ok ? "met" : "missed")}";

    private static double Kb(JsonObject o, string field) => (double)o[field]!;

    private static double Bytes(JsonObject o, string field) => (double)o[field]! / (1024 * 1024);

    private static string Mb(double kb) => string.Create(CultureInfo.InvariantCulture, $"{kb / 1024:F1} MB");

    private static string Ratio(double a, double b) => b > 0.0005 && double.IsFinite(a) ? string.Create(CultureInfo.InvariantCulture, $"{a / b:F1}×") : "n/a";

    private static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
}
