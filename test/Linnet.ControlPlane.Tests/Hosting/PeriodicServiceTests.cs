using Linnet.ControlPlane.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.ControlPlane.Tests.Hosting;

public sealed class PeriodicServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ExecuteAsync_PassThrows_NextPassRunsAndServiceKeepsRunning()
    {
        var time = new FakeTimeProvider();
        using var service = new FailingOncePass(time);

        await service.StartAsync(Ct);
        await service.FirstPass.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        time.Advance(TimeSpan.FromSeconds(1));
        await service.SecondPass.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(2, service.Passes);
        Assert.False(service.ExecuteTask!.IsCompleted);
        await service.StopAsync(Ct);
        Assert.True(service.ExecuteTask.IsCompleted);
        Assert.False(service.ExecuteTask.IsFaulted);
    }

    [Fact]
    public async Task ExecuteAsync_BeforeTheInterval_NoSecondPass()
    {
        var time = new FakeTimeProvider();
        using var service = new FailingOncePass(time);

        await service.StartAsync(Ct);
        await service.FirstPass.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        time.Advance(TimeSpan.FromMilliseconds(999));

        Assert.Equal(1, service.Passes);
        await service.StopAsync(Ct);
    }

    private sealed class FailingOncePass(TimeProvider time) : PeriodicService(time, NullLogger.Instance)
    {
        private int _passes;

        public int Passes => Volatile.Read(ref _passes);

        public TaskCompletionSource FirstPass { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource SecondPass { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override TimeSpan Interval => TimeSpan.FromSeconds(1);

        protected override Task RunOnceAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _passes) == 1)
            {
                FirstPass.TrySetResult();
                throw new InvalidOperationException("the store is not available");
            }

            SecondPass.TrySetResult();
            return Task.CompletedTask;
        }
    }
}
