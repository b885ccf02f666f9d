using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Universal.Images;
using Linnet.Platform.Universal.Isolation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>Universal mode's kubelet and Deployment controller in one: runs each Workload's replicas as
/// processes, each instance an app beside its own <c>linnet-proxy</c> on a loopback address of its own, and
/// writes an <c>Instance</c> resource per replica. Informer → queue → idempotent reconcile per workload.</summary>
public sealed partial class WorkloadSupervisor : BackgroundService
{
    /// <summary>The proxy's outbound port on every instance address (Linkerd's).</summary>
    public const int ProxyOutboundPort = 4140;

    /// <summary>The proxy's inbound port on every instance address (Linkerd's).</summary>
    public const int ProxyInboundPort = 4143;

    /// <summary>The proxy's admin port on every instance address (Linkerd's).</summary>
    public const int ProxyAdminPort = 4191;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ProxyPoll = TimeSpan.FromMilliseconds(20);

    private readonly IResourceStore _store;
    private readonly SupervisorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WorkloadSupervisor> _logger;
    private readonly LoopbackAddressPool _addresses;
    private readonly InstanceIdentity? _identity;
    private readonly PodNetwork? _pods;
    private readonly ServiceAccountUids? _uids;
    private readonly HttpClient _probe;
    private readonly Channel<ResourceKey> _queue = Channel.CreateUnbounded<ResourceKey>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private readonly HashSet<ResourceKey> _queued = [];
    private readonly Dictionary<ResourceKey, SortedDictionary<int, InstanceRunner>> _workloads = [];

    // The addresses instances had in the previous run: a replacement gets its predecessor's when it is free.
    private readonly Dictionary<InstanceKey, IPAddress> _previousAddresses = [];
    private bool _shuttingDown;

    /// <summary>Creates the supervisor; it starts with the host. With <paramref name="identity"/> (and a control
    /// plane address), every proxy gets a token and trust anchors and becomes ready only with a certificate.</summary>
    public WorkloadSupervisor(IResourceStore store, SupervisorOptions options, TimeProvider time, ILogger<WorkloadSupervisor> logger, MeshIdentity? identity = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
        if (options.Isolation is { } isolation)
        {
            _pods = new PodNetwork(PodNetwork.ChooseNetwork(isolation, options.DataDirectory), options.DataDirectory);
            _uids = new ServiceAccountUids(options.DataDirectory, isolation.UidBase);

            // The range is the mesh's own (its bridge refuses to come up over anything else's addresses).
            _addresses = new LoopbackAddressPool(_pods.FirstPodAddress, _pods.LastPodAddress, static _ => AddressLease.None);
        }
        else
        {
            _addresses = new LoopbackAddressPool(options.FirstAddress, Claim);
        }

        _identity = identity is not null && options.ControlPlaneAddress is not null ? new InstanceIdentity(identity, options.ControlPlaneAddress) : null;
        _probe = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(1) })
        {
            Timeout = TimeSpan.FromSeconds(1),
        };
    }

    /// <summary>Every instance the supervisor runs, ordered by namespace, workload and index.</summary>
    public IReadOnlyList<InstanceStatus> Instances
    {
        get
        {
            lock (_gate)
            {
                return [.. _workloads.Values.SelectMany(w => w.Values).Select(r => r.Status())
                    .OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Workload, StringComparer.Ordinal).ThenBy(s => s.Index)];
            }
        }
    }

    /// <summary>Stops the reconcile loop, then every app (in parallel), then every proxy, and deletes the
    /// Instance resources. Nothing is left running, even when <paramref name="cancellationToken"/> fires
    /// (then processes get SIGKILL at once).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await base.StopAsync(cancellationToken);
        }
        finally
        {
            await ShutdownAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        // Normally StopAsync has stopped everything; this is the last line against orphans.
        List<InstanceRunner> runners;
        lock (_gate)
        {
            _shuttingDown = true;
            runners = [.. _workloads.Values.SelectMany(w => w.Values)];
            _workloads.Clear();
        }

        foreach (var runner in runners)
        {
            runner.Kill();
            runner.Dispose();
        }

        RemovePods();
        _probe.Dispose();
        _images?.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Processes an earlier run left behind (it was killed, or crashed) still hold their addresses and
        // would serve stale configs beside ours: stop them, then start every instance afresh.
        var leftovers = await RecordedProcesses.StopAsync(_options.DataDirectory, _options.StopGracePeriod, _time, stoppingToken);
        if (leftovers > 0)
        {
            Log.StoppedLeftovers(_logger, leftovers);
        }

        // Pods an earlier run left (their processes are gone now), then this run's bridge.
        if (_pods is not null)
        {
            _pods.Prepare();
            Log.Isolated(_logger, _pods.Bridge, _pods.Gateway.ToString(), _pods.FirstPodAddress.ToString(), _pods.LastPodAddress.ToString());
        }

        var snapshot = _store.Snapshot();

        // Instances of an earlier run describe processes that are gone; their replacements get their addresses.
        foreach (var instance in snapshot.OfKind<InstanceResource>())
        {
            var name = instance.Metadata.Name;
            if (name.Length > instance.Spec.Workload.Length + 1 && name.StartsWith(instance.Spec.Workload + "-", StringComparison.Ordinal)
                && int.TryParse(name.AsSpan(instance.Spec.Workload.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && IPAddress.TryParse(instance.Spec.Address, out var address))
            {
                _previousAddresses[new InstanceKey(instance.Metadata.Namespace, instance.Spec.Workload, index)] = address;
            }
        }

        List<StoreChange> stale = [.. snapshot.OfKind<InstanceResource>().Select(i => new DeleteChange(i.Key))];
        if (stale.Count > 0)
        {
            await _store.CommitAsync(stale, stoppingToken);
        }

        foreach (var workload in snapshot.OfKind<WorkloadResource>())
        {
            Enqueue(workload.Key);
        }

        using var loops = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var watch = WatchAsync(snapshot.Revision, loops.Token);
        var work = WorkAsync(loops.Token);
        var tokens = RefreshTokensAsync(loops.Token);
        try
        {
            await await Task.WhenAny(watch, work);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            await loops.CancelAsync();
            await IgnoreCancellationAsync(watch);
            await IgnoreCancellationAsync(work);
            await IgnoreCancellationAsync(tokens);
        }
    }

    /// <summary>Rewrites every instance's token well before it expires, so that renewals keep working however
    /// long an instance runs.</summary>
    private async Task RefreshTokensAsync(CancellationToken token)
    {
        if (_identity is null)
        {
            return;
        }

        while (true)
        {
            await Task.Delay(InstanceIdentity.RefreshInterval, _time, token);
            List<InstanceRunner> runners;
            lock (_gate)
            {
                runners = [.. _workloads.Values.SelectMany(w => w.Values)];
            }

            foreach (var runner in runners)
            {
                try
                {
                    _identity.WriteToken(runner.Plan);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Log.TokenRefreshFailed(_logger, runner.Key.ToString(), ex.Message);
                }
            }
        }
    }

    // Every pod is removed with its instance; this takes the bridge and anything a failed removal left.
    private void RemovePods()
    {
        try
        {
            _pods?.CleanUp();
        }
        catch (IsolationException ex)
        {
            Log.CleanupFailed(_logger, ex);
        }
    }

    private static async Task IgnoreCancellationAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
            // Expected on stop.
        }
    }

    private static AddressLease? Claim(IPAddress address)
    {
        // Another mesh may be handing out the same addresses right now: claim it host-wide first, then check that
        // nothing (a stale proxy, a program of the user's) already listens there, which would make the instance fail.
        if (AddressLease.TryTake(address) is not { } lease)
        {
            return null;
        }

        foreach (var port in (int[])[ProxyInboundPort, ProxyOutboundPort, ProxyAdminPort])
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Bind(new IPEndPoint(address, port));
            }
            catch (SocketException)
            {
                lease.Dispose();
                return null;
            }
        }

        return lease;
    }

    private static InstanceResource ToResource(WorkloadResource workload, InstanceRunner runner) => new()
    {
        Metadata = new ObjectMeta { Name = runner.Key.Name, Namespace = runner.Key.Namespace, Labels = workload.Metadata.Labels },
        Spec = new InstanceSpec(
            runner.Key.Workload,
            runner.Plan.Address,
            runner.Plan.Spec.ServiceAccount,
            runner.Plan.Spec.Ports,
            ProxyInboundPort,
            ProxyAdminPort,
            runner.Ready,
            runner.Plan.Spec.Version,
            runner.Restarts,
            runner.LastExit)
        {
            Image = runner.Plan.Spec.Image,
            ImageDigest = runner.Plan.Image?.Digest.ToString(),
            SpecHash = WorkloadSpecHash.Of(runner.Plan.Spec),
        },
    };

    private static ResourceKey InstanceResourceKey(InstanceKey key) => new(InstanceResource.KindName, key.Namespace, key.Name);

    // A spec change other than the replica count means new processes.
    private static bool SameRun(WorkloadSpec running, WorkloadSpec desired) => running with { Replicas = 0 } == desired with { Replicas = 0 };

    private void Enqueue(ResourceKey workload)
    {
        lock (_gate)
        {
            if (_queued.Add(workload))
            {
                _queue.Writer.TryWrite(workload);
            }
        }
    }

    private async Task WatchAsync(long revision, CancellationToken token)
    {
        while (true)
        {
            try
            {
                await foreach (var change in _store.WatchAsync(revision, token))
                {
                    revision = change.Revision;
                    if (change.Resource is WorkloadResource)
                    {
                        Enqueue(change.Resource.Key);
                    }
                }

                return;
            }
            catch (RevisionCompactedException)
            {
                // Fell behind the store's history: list again and reconcile everything known.
                var snapshot = _store.Snapshot();
                revision = snapshot.Revision;
                Log.Relisting(_logger, revision);
                List<ResourceKey> known;
                lock (_gate)
                {
                    known = [.. _workloads.Keys];
                }

                foreach (var key in known.Concat(snapshot.OfKind<WorkloadResource>().Select(w => w.Key)))
                {
                    Enqueue(key);
                }
            }
        }
    }

    private async Task WorkAsync(CancellationToken token)
    {
        await foreach (var key in _queue.Reader.ReadAllAsync(token))
        {
            lock (_gate)
            {
                _queued.Remove(key);
            }

            try
            {
                await ReconcileAsync(key, token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
            {
                Log.ReconcileFailed(_logger, key.ToString(), ex);
                _ = RetryLaterAsync(key, token);
            }
        }
    }

    private async Task RetryLaterAsync(ResourceKey key, CancellationToken token)
    {
        try
        {
            await Task.Delay(RetryDelay, _time, token);
            Enqueue(key);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task ReconcileAsync(ResourceKey key, CancellationToken token)
    {
        var workload = _store.Find(key) as WorkloadResource;
        SortedDictionary<int, InstanceRunner>? runners;
        lock (_gate)
        {
            if (!_workloads.TryGetValue(key, out runners))
            {
                if (workload is null)
                {
                    return;
                }

                _workloads[key] = runners = [];
            }
        }

        var desired = workload?.Spec.Replicas ?? 0;

        // Surplus replicas, highest index first: out of the endpoints first, then stopped.
        foreach (var index in runners.Keys.Where(i => i >= desired).Reverse().ToList())
        {
            var runner = runners[index];
            Log.Removing(_logger, runner.Key.ToString());
            var removed = await _store.CommitAsync([new DeleteChange(InstanceResourceKey(runner.Key))], token);
            await AwaitProxiesAsync(removed.Revision, runner, token);
            await runner.StopAsync(CancellationToken.None);
            lock (_gate)
            {
                runners.Remove(index);
            }

            _addresses.Release(runner.Key);
            runner.Dispose();
        }

        if (workload is null)
        {
            lock (_gate)
            {
                _workloads.Remove(key);
                _resolvedImages.Remove(key);
                _pullFailures.Remove(key);
            }

            await RemovePlaceholdersAsync(key, 0, token);
            return;
        }

        // One resolution per spec: every replica, restart and scale-up runs the same digest (keel#560, #803).
        await RemovePlaceholdersAsync(key, desired, token);
        var image = await ResolveWithProgressAsync(key, workload, runners, token);

        // Changed spec: stop, then start again on the same address.
        foreach (var runner in runners.Values.ToList())
        {
            if (SameRun(runner.Plan.Spec, workload.Spec) && runner.Plan.InboundTls == InstanceIdentity.InboundTlsOf(workload))
            {
                continue;
            }

            Log.Replacing(_logger, runner.Key.ToString());
            var current = ToResource(workload, runner);
            var unready = await _store.CommitAsync([new PutChange(current with { Spec = current.Spec with { Ready = false } })], token);
            await AwaitProxiesAsync(unready.Revision, runner, token);
            await runner.StopAsync(CancellationToken.None);
            lock (_gate)
            {
                runners.Remove(runner.Key.Index);
            }

            runner.Dispose();

            // Should this fail, the slot is missing and the retry starts it, still on its address.
            Launch(key, runners, runner.Key, IPAddress.Parse(runner.Plan.Address), workload, image);
        }

        // Missing replicas.
        for (var index = 0; index < desired; index++)
        {
            if (!runners.ContainsKey(index))
            {
                var instance = new InstanceKey(key.Namespace, key.Name, index);
                _previousAddresses.Remove(instance, out var previous);
                Launch(key, runners, instance, _addresses.Allocate(instance, previous), workload, image);
            }
        }

        await _store.CommitAsync([.. runners.Values.Select(r => new PutChange(ToResource(workload, r)))], token);
    }

    /// <summary>Before an instance that was taken out of the endpoints is stopped: waits until every other
    /// instance's proxy has applied <paramref name="revision"/> (its <c>/config-version</c>), so that no proxy
    /// still sends it requests when its app stops (bounded by <see cref="SupervisorOptions.EndpointRemovalTimeout"/>;
    /// a proxy that does not answer is not waited for).</summary>
    private async Task AwaitProxiesAsync(long revision, InstanceRunner leaving, CancellationToken token)
    {
        List<InstanceRunner> behind;
        lock (_gate)
        {
            behind = [.. _workloads.Values.SelectMany(w => w.Values).Where(r => !ReferenceEquals(r, leaving) && r.Status().ProxyPid is not null)];
        }

        var started = _time.GetTimestamp();
        while (behind.Count > 0)
        {
            var current = await Task.WhenAll(behind.Select(r => HasAppliedAsync(r, revision, token)));
            behind = [.. behind.Where((_, i) => !current[i])];
            if (behind.Count == 0)
            {
                return;
            }

            if (_time.GetElapsedTime(started) >= _options.EndpointRemovalTimeout)
            {
                Log.ProxiesBehind(_logger, leaving.Key.ToString(), revision, string.Join(", ", behind.Select(r => r.Key.ToString())));
                return;
            }

            await Task.Delay(ProxyPoll, _time, token);
        }
    }

    private async Task<bool> HasAppliedAsync(InstanceRunner runner, long revision, CancellationToken token)
    {
        var uri = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{runner.Plan.Address}:{ProxyAdminPort}/config-version"));
        try
        {
            var text = await _probe.GetStringAsync(uri, token);
            // Without a config yet it routes nowhere; once it has one, that one is newer.
            return !long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version >= revision;
        }
        catch (Exception ex) when (ex is HttpRequestException or ObjectDisposedException || (ex is TaskCanceledException && !token.IsCancellationRequested))
        {
            // Not answering: not routing either.
            return true;
        }
    }

    private void Launch(ResourceKey workload, SortedDictionary<int, InstanceRunner> runners, InstanceKey key, IPAddress address, WorkloadResource resource, ResolvedImage? image)
    {
        var directory = Path.Combine(_options.DataDirectory, "instances", key.Namespace, key.Name);
        var pod = _pods?.Create(key, address, _uids!.For(key.Namespace, resource.Spec.ServiceAccount), _store.Snapshot().OfKind<ServiceResource>());
        if (pod is not null && image is not null)
        {
            // The app's uid cannot enter the data directory: it runs its own copy, in its pod's folder.
            try
            {
                image = PodImage.GiveTo(pod, image);
            }
            catch
            {
                PodNetwork.Delete(pod);
                throw;
            }
        }

        var plan = new InstancePlan(key, address.ToString(), resource.Spec, directory)
        {
            Pod = pod,
            InboundTls = InstanceIdentity.InboundTlsOf(resource),
            DefaultInboundPolicy = Linnet.ControlPlane.Core.Policy.PolicyTranslator.DefaultPolicy(null, resource, _options.DefaultInboundPolicy),
            Image = image,
            ControlPlaneAddress = _options.ControlPlaneAddress is { } cp && _pods is not null ? _pods.ControlPlaneAddress(cp) : _options.ControlPlaneAddress,
        };
        var runner = new InstanceRunner(
            plan,
            _options,
            _time,
            _logger,
            _probe,
            () => _store.Snapshot().OfKind<ServiceResource>(),
            () => Enqueue(workload),
            _identity);
        lock (_gate)
        {
            // Never start what a concurrent shutdown would not see.
            if (_shuttingDown)
            {
                if (pod is not null)
                {
                    PodNetwork.Delete(pod);
                }

                runner.Dispose();
                throw new ObjectDisposedException(nameof(WorkloadSupervisor), "the supervisor is stopping");
            }

            Log.Starting(_logger, key.ToString(), plan.Address);
            try
            {
                runner.Start();
            }
            catch
            {
                runner.Kill();
                runner.Dispose();
                throw;
            }

            runners[key.Index] = runner;
        }
    }

    private async Task ShutdownAsync(CancellationToken cancellationToken)
    {
        List<InstanceRunner> runners;
        lock (_gate)
        {
            if (_shuttingDown)
            {
                return;
            }

            _shuttingDown = true;
            runners = [.. _workloads.Values.SelectMany(w => w.Values)];
        }

        await Task.WhenAll(runners.Select(r => r.HaltAsync()));
        await Task.WhenAll(runners.Select(r => r.StopAppAsync(cancellationToken)));
        await Task.WhenAll(runners.Select(r => r.StopProxyAsync(cancellationToken)));
        try
        {
            await _store.CommitAsync([.. runners.Select(r => new DeleteChange(InstanceResourceKey(r.Key)))], CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            Log.CleanupFailed(_logger, ex);
        }

        lock (_gate)
        {
            _workloads.Clear();
        }

        foreach (var runner in runners)
        {
            _addresses.Release(runner.Key);
            runner.Dispose();
        }

        RemovePods();
        Log.Stopped(_logger, runners.Count);
    }

    private static partial class Log
    {
        [LoggerMessage(113, LogLevel.Information, "instances are isolated: a network namespace each on bridge {Bridge} ({Gateway}, pods {First}..{Last}), their own uids")]
        public static partial void Isolated(ILogger logger, string bridge, string gateway, string first, string last);

        [LoggerMessage(101, LogLevel.Information, "starting {Instance} on {Address}")]
        public static partial void Starting(ILogger logger, string instance, string address);

        [LoggerMessage(102, LogLevel.Information, "removing {Instance}")]
        public static partial void Removing(ILogger logger, string instance);

        [LoggerMessage(103, LogLevel.Information, "replacing {Instance}: its workload's spec changed")]
        public static partial void Replacing(ILogger logger, string instance);

        [LoggerMessage(104, LogLevel.Error, "reconciling {Workload} failed; retrying")]
        public static partial void ReconcileFailed(ILogger logger, string workload, Exception exception);

        [LoggerMessage(105, LogLevel.Warning, "the store's history no longer reaches our revision; listed again at {Revision}")]
        public static partial void Relisting(ILogger logger, long revision);

        [LoggerMessage(106, LogLevel.Warning, "could not delete the Instance resources on stop")]
        public static partial void CleanupFailed(ILogger logger, Exception exception);

        [LoggerMessage(107, LogLevel.Information, "stopped {Count} instances")]
        public static partial void Stopped(ILogger logger, int count);

        [LoggerMessage(108, LogLevel.Warning, "stopped {Count} processes left running by an earlier run")]
        public static partial void StoppedLeftovers(ILogger logger, int count);

        [LoggerMessage(110, LogLevel.Warning, "could not refresh the token of {Instance}: {Reason}")]
        public static partial void TokenRefreshFailed(ILogger logger, string instance, string reason);

        [LoggerMessage(109, LogLevel.Warning, "stopping {Instance} although proxies have not applied revision {Revision} yet: {Proxies}")]
        public static partial void ProxiesBehind(ILogger logger, string instance, long revision, string proxies);
    }
}
