using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Linnet.ControlPlane.Core.Resources;
using Linnet.Platform.Universal.Images;
using Linnet.Platform.Universal.Isolation;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>Runs one instance: its proxy, then its app, each restarted with exponential backoff when it
/// exits, and a readiness watch (proxy <c>/ready</c> and a TCP connect to the app's primary port). Reports
/// every change through a callback; never writes to the store itself.</summary>
internal sealed partial class InstanceRunner : IDisposable
{
    private static readonly TimeSpan FastPoll = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan SlowPoll = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);
    private const int FailedProbesToUnready = 3;

    private readonly SupervisorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _probe;
    private readonly Func<IEnumerable<ServiceResource>> _services;
    private readonly Action _changed;
    private readonly InstanceIdentity? _identity;
    private readonly CancellationTokenSource _halt = new();
    private readonly Uri _readyUri;
    private readonly IPEndPoint? _appEndPoint;
    private ManagedProcess? _app;
    private ManagedProcess? _proxy;
    private Task _loops = Task.CompletedTask;
    private int _restarts;
    private InstanceExit? _lastExit;
    private volatile bool _ready;
    private volatile bool _killed;

    public InstanceRunner(
        InstancePlan plan,
        SupervisorOptions options,
        TimeProvider time,
        ILogger logger,
        HttpClient probe,
        Func<IEnumerable<ServiceResource>> services,
        Action changed,
        InstanceIdentity? identity = null)
    {
        Plan = plan;
        _options = options;
        _time = time;
        _logger = logger;
        _probe = probe;
        _services = services;
        _changed = changed;
        _identity = identity;
        var address = IPAddress.Parse(plan.Address);
        _readyUri = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{plan.Address}:{WorkloadSupervisor.ProxyAdminPort}/ready"));
        _appEndPoint = plan.Spec.Ports.Count > 0 ? new IPEndPoint(address, plan.Spec.Ports[0]) : null;
    }

    public InstancePlan Plan { get; }

    public InstanceKey Key => Plan.Key;

    public bool Ready => _ready;

    public int Restarts => Volatile.Read(ref _restarts);

    /// <summary>How its app or proxy last ended (or failed to start); null while neither has.</summary>
    public InstanceExit? LastExit => Volatile.Read(ref _lastExit);

    public InstanceStatus Status()
    {
        var app = Volatile.Read(ref _app);
        var proxy = Volatile.Read(ref _proxy);
        return new InstanceStatus(
            Key.Namespace,
            Key.Workload,
            Key.Index,
            Key.Name,
            Plan.Address,
            app is { IsRunning: true } ? app.Id : null,
            proxy is { IsRunning: true } ? proxy.Id : null,
            Restarts,
            Ready,
            Plan.AppLogPath,
            Plan.ProxyLogPath,
            LastExit);
    }

    /// <summary>Writes the proxy config and starts the proxy, the app and the readiness watch.</summary>
    public void Start()
    {
        Directory.CreateDirectory(Plan.Directory);
        _identity?.WriteFiles(Plan);
        File.WriteAllText(Plan.ProxyConfigPath, ProxyConfigWriter.Write(Plan, Plan.ControlPlaneAddress, _identity));
        var token = _halt.Token;
        _loops = Task.WhenAll(
            SuperviseAsync(ProcessRole.Proxy, token),
            SuperviseAsync(ProcessRole.App, token),
            WatchReadinessAsync(token));
    }

    /// <summary>Stops restarting and probing; the processes keep running until stopped.</summary>
    public async Task HaltAsync()
    {
        await _halt.CancelAsync();
        await _loops;
    }

    /// <summary>SIGTERM to the app, SIGKILL to its tree after the grace period (at once if canceled).</summary>
    public Task StopAppAsync(CancellationToken cancellationToken) => StopProcessAsync(ProcessRole.App, cancellationToken);

    /// <summary>SIGTERM to the proxy, SIGKILL after the grace period (at once if canceled); then removes the
    /// instance's pod, if it has one: the pod lives exactly as long as its proxy.</summary>
    public async Task StopProxyAsync(CancellationToken cancellationToken)
    {
        await StopProcessAsync(ProcessRole.Proxy, cancellationToken);
        RemovePod();
    }

    /// <summary>Halts, then stops the app, then the proxy.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await HaltAsync();
        await StopAppAsync(cancellationToken);
        await StopProxyAsync(cancellationToken);
    }

    /// <summary>Last resort when nobody stopped the instance: SIGKILL to everything, without waiting.</summary>
    public void Kill()
    {
        _killed = true;
        _halt.Cancel();
        Volatile.Read(ref _app)?.Kill();
        Volatile.Read(ref _proxy)?.Kill();
        RemovePod();
    }

    private void RemovePod()
    {
        if (Plan.Pod is { } pod)
        {
            try
            {
                PodNetwork.Delete(pod);
            }
            catch (IsolationException ex)
            {
                Log.PodRemovalFailed(_logger, Key.ToString(), ex.Message);
            }
        }
    }

    public void Dispose()
    {
        Volatile.Read(ref _app)?.Dispose();
        Volatile.Read(ref _proxy)?.Dispose();
        _halt.Dispose();
    }

    private async Task StopProcessAsync(ProcessRole role, CancellationToken cancellationToken)
    {
        _ready = false;
        var process = Volatile.Read(ref role == ProcessRole.App ? ref _app : ref _proxy);
        if (process is { IsRunning: true })
        {
            Log.Stopping(_logger, role, Key.ToString(), process.Id);
            await process.StopAsync(_options.StopGracePeriod, cancellationToken);
        }
        else
        {
            process?.KillLeftovers();
        }
    }

    private async Task SuperviseAsync(ProcessRole role, CancellationToken token)
    {
        // Let the async caller (Start) return at once.
        await Task.Yield();
        try
        {
            if (role == ProcessRole.App)
            {
                await AwaitProxyAsync(token);
            }

            var backoff = _options.MinRestartBackoff;
            for (var attempt = 0; !token.IsCancellationRequested; attempt++)
            {
                if (attempt > 0)
                {
                    Interlocked.Increment(ref _restarts);
                }

                var ranFor = TimeSpan.Zero;
                var process = TryStart(role, attempt);
                if (process is not null)
                {
                    RecordedProcesses.Record(Plan.Directory, role, process.Id);
                    SetProcess(role, process);
                    _changed();
                    var startedAt = _time.GetTimestamp();
                    var code = await process.Exited.WaitAsync(token);
                    ranFor = _time.GetElapsedTime(startedAt);
                    process.KillLeftovers();
                    if (token.IsCancellationRequested)
                    {
                        return;
                    }

                    _ready = false;
                    Volatile.Write(ref _lastExit, new InstanceExit(RoleName(role), code, DescribeExit(code), _time.GetUtcNow()));
                    if (ranFor >= _options.BackoffResetAfter)
                    {
                        backoff = _options.MinRestartBackoff;
                    }

                    Log.Exited(_logger, role, Key.ToString(), process.Id, code, backoff);
                    _changed();
                }

                await Task.Delay(backoff, _time, token);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxRestartBackoff.Ticks));
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Halted: whoever halted us stops the processes.
        }
    }

    private ManagedProcess? TryStart(ProcessRole role, int attempt)
    {
        var launch = role == ProcessRole.Proxy
            ? ProcessLaunch.ForProgram(_options.ProxyCommand, ["--config", Plan.ProxyConfigPath], ProxyEnvironment(), Plan.FilesDirectory)
            : Plan.Image is { } image
                ? ImageLaunch.Build(image, Plan.Spec, InstanceEnvironment.Build(Plan, _services(), _options.Environment))
                : new ProcessLaunch(Plan.Spec.Command, Plan.Spec.Args, InstanceEnvironment.Build(Plan, _services(), _options.Environment), Plan.WorkingDirectory);
        var header = attempt == 0 ? "start" : string.Create(CultureInfo.InvariantCulture, $"restart {attempt}");
        try
        {
            var program = ProcessLaunch.Resolve(launch.FileName, launch.WorkingDirectory, _options.ProgramDirectories)
                ?? throw new FileNotFoundException(_options.ProgramDirectories.Count == 0
                    ? $"no executable '{launch.FileName}' (a bare name is looked up on the PATH)"
                    : $"no executable '{launch.FileName}' (a bare name is looked up on the PATH, then in {string.Join(", ", _options.ProgramDirectories)})");
            launch = launch with { FileName = program };
            if (Plan.Pod is { } pod)
            {
                // Into the pod's namespace, as the role's own uid (the kernel checks every file it opens from here).
                if (role == ProcessRole.App)
                {
                    PodNetwork.WriteHosts(pod, Key, _services());
                }

                launch = pod.Wrap(launch, role == ProcessRole.App ? pod.AppUid : pod.ProxyUid);
            }

            var process = ManagedProcess.Start(launch, role == ProcessRole.App ? Plan.AppLogPath : Plan.ProxyLogPath, header, _time);
            Log.Started(_logger, role, Key.ToString(), process.Id, Plan.Address);
            return process;
        }
        catch (Exception ex) when (ex is Win32Exception or IOException or InvalidOperationException or UnauthorizedAccessException or IsolationException)
        {
            Log.StartFailed(_logger, role, Key.ToString(), launch.FileName, ex.Message);
            Volatile.Write(ref _lastExit, new InstanceExit(RoleName(role), null, $"cannot start: {ex.Message}", _time.GetUtcNow()));
            _changed();
            return null;
        }
    }

    private static string RoleName(ProcessRole role) => role == ProcessRole.App ? "app" : "proxy";

    /// <summary>Exit codes above 128 are how .NET (and shells) report a death by signal <c>code - 128</c>.</summary>
    private static string DescribeExit(int code) => code switch
    {
        0 => "Completed: exited with code 0",
        > 128 and < 160 => string.Create(CultureInfo.InvariantCulture, $"Error: exited with code {code} (signal {code - 128}{SignalName(code - 128)})"),
        _ => string.Create(CultureInfo.InvariantCulture, $"Error: exited with code {code}"),
    };

    private static string SignalName(int signal) => signal switch
    {
        1 => " SIGHUP",
        2 => " SIGINT",
        6 => " SIGABRT",
        9 => " SIGKILL",
        11 => " SIGSEGV",
        15 => " SIGTERM",
        _ => "",
    };

    private Dictionary<string, string> ProxyEnvironment() =>
        Plan.Pod is { } pod ? new() { ["HOME"] = pod.Directory } : [];

    private void SetProcess(ProcessRole role, ManagedProcess process)
    {
        var previous = Interlocked.Exchange(ref role == ProcessRole.App ? ref _app : ref _proxy, process);
        previous?.Dispose();
        if (_killed)
        {
            // Started while the supervisor was being torn down without a stop.
            process.Kill();
        }
    }

    private async Task AwaitProxyAsync(CancellationToken token)
    {
        var started = _time.GetTimestamp();
        while (_time.GetElapsedTime(started) < _options.ProxyAwaitTimeout)
        {
            if (Volatile.Read(ref _proxy) is { IsRunning: true } && await ProxyReadyAsync(token))
            {
                return;
            }

            await Task.Delay(FastPoll, _time, token);
        }

        Log.ProxyNotReady(_logger, Key.ToString(), _options.ProxyAwaitTimeout);
    }

    private async Task WatchReadinessAsync(CancellationToken token)
    {
        await Task.Yield();
        try
        {
            var failedProbes = 0;
            while (!token.IsCancellationRequested)
            {
                var app = Volatile.Read(ref _app);
                var proxy = Volatile.Read(ref _proxy);
                var probed = app is { IsRunning: true } && proxy is { IsRunning: true } && await ProbeAsync(token);
                var running = app is { IsRunning: true } && proxy is { IsRunning: true } && ReferenceEquals(app, Volatile.Read(ref _app));
                failedProbes = probed && running ? 0 : failedProbes + 1;

                // A ready instance whose processes still run stays ready through a missed probe or two: on a
                // loaded machine a probe can miss its 1 s timeout, and taking a healthy endpoint out of every
                // proxy's balancing for that costs more than noticing a hung app a few fast polls later
                // (Kubernetes' failureThreshold is 3 as well). A process that exits unreadies at once.
                var ready = running && (probed || (_ready && failedProbes < FailedProbesToUnready));
                if (ready != _ready)
                {
                    _ready = ready;
                    Log.Readiness(_logger, Key.ToString(), ready);
                    _changed();
                }

                if (ready)
                {
                    app?.RefreshDescendants();
                }

                await Task.Delay(ready && failedProbes == 0 ? SlowPoll : FastPoll, _time, token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Halted.
        }
    }

    private async Task<bool> ProbeAsync(CancellationToken token) =>
        await ProxyReadyAsync(token) && (_appEndPoint is null || await AppAcceptsAsync(_appEndPoint, token));

    private async Task<bool> ProxyReadyAsync(CancellationToken token)
    {
        try
        {
            using var response = await _probe.GetAsync(_readyUri, token);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or ObjectDisposedException)
        {
            // Not listening yet, or the supervisor is being torn down.
            return false;
        }
        catch (TaskCanceledException) when (!token.IsCancellationRequested)
        {
            // The probe client's timeout.
            return false;
        }
    }

    private async Task<bool> AppAcceptsAsync(IPEndPoint endPoint, CancellationToken token)
    {
        using var timeout = new CancellationTokenSource(ProbeTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
        // From the host an isolated app's port leads to its proxy; from inside its pod, to the app itself.
        Socket socket;
        try
        {
            socket = Plan.Pod is { } pod ? NamespaceSocket.Create(pod.NetworkNamespace) : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        }
        catch (IsolationException)
        {
            return false;
        }

        using var owned = socket;
        try
        {
            await socket.ConnectAsync(endPoint, linked.Token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Role} of {Instance} started: pid {Pid} on {Address}")]
        public static partial void Started(ILogger logger, ProcessRole role, string instance, int pid, string address);

        [LoggerMessage(2, LogLevel.Warning, "{Role} of {Instance} (pid {Pid}) exited with code {ExitCode}; restarting in {Backoff}")]
        public static partial void Exited(ILogger logger, ProcessRole role, string instance, int pid, int exitCode, TimeSpan backoff);

        [LoggerMessage(3, LogLevel.Error, "{Role} of {Instance} cannot be started ({Program}): {Reason}")]
        public static partial void StartFailed(ILogger logger, ProcessRole role, string instance, string program, string reason);

        [LoggerMessage(4, LogLevel.Information, "{Instance} ready: {Ready}")]
        public static partial void Readiness(ILogger logger, string instance, bool ready);

        [LoggerMessage(5, LogLevel.Warning, "the proxy of {Instance} is not ready after {Timeout}; starting the app anyway")]
        public static partial void ProxyNotReady(ILogger logger, string instance, TimeSpan timeout);

        [LoggerMessage(7, LogLevel.Warning, "the pod of {Instance} could not be removed: {Reason}")]
        public static partial void PodRemovalFailed(ILogger logger, string instance, string reason);

        [LoggerMessage(6, LogLevel.Information, "stopping {Role} of {Instance} (pid {Pid})")]
        public static partial void Stopping(ILogger logger, ProcessRole role, string instance, int pid);
    }
}
