using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Resilience;

/// <summary>How many retries one target service may receive from this proxy (Finagle's and Linkerd's
/// retry budget): every request deposits <see cref="RetryBudgetConfig.Ratio"/> of a retry, every retry
/// withdraws one, and both expire after <see cref="RetryBudgetConfig.Ttl"/>; a reserve of
/// <see cref="RetryBudgetConfig.MinRetriesPerSecond"/> × TTL retries lets a quiet service still retry.
/// So over any TTL window, retries ≤ ratio × requests + minimum rate × TTL: a failing service never sees
/// a retry storm.</summary>
/// <remarks>The window slides in ten slices of TTL/10 (a deposit expires between 0.9 and 1 TTL after
/// it was made). Amounts are kept in thousandths of a retry so that a ratio of 0.2 is exact.</remarks>
internal sealed class RetryBudget
{
    private const int Slices = 10;
    private const long Scale = 1000;

    private readonly TimeProvider _time;
    private readonly long _deposit;
    private readonly long _reserve;
    private readonly long _sliceTicks;
    private readonly long[] _slices = new long[Slices];
    private readonly Lock _lock = new();
    private long _currentSlice;

    /// <summary>Creates an empty budget (only the reserve available).</summary>
    public RetryBudget(RetryBudgetConfig config, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(time);
        Config = config;
        _time = time;
        _deposit = (long)Math.Round(Math.Clamp(config.Ratio, 0, 1000) * Scale);
        var ttl = config.Ttl > TimeSpan.Zero ? config.Ttl : TimeSpan.FromSeconds(10);
        _reserve = (long)Math.Round(Math.Max(0, config.MinRetriesPerSecond) * ttl.TotalSeconds * Scale);
        _sliceTicks = Math.Max(1, (long)(ttl.TotalSeconds * time.TimestampFrequency / Slices));
        _currentSlice = time.GetTimestamp() / _sliceTicks;
    }

    /// <summary>The policy the budget was made with.</summary>
    public RetryBudgetConfig Config { get; }

    /// <summary>Retries that could be withdrawn now (whole ones).</summary>
    public long Available
    {
        get
        {
            lock (_lock)
            {
                Advance();
                return Math.Max(0, (Sum() + _reserve) / Scale);
            }
        }
    }

    /// <summary>Records a request that may be retried.</summary>
    public void Deposit()
    {
        lock (_lock)
        {
            Advance();
            _slices[_currentSlice % Slices] += _deposit;
        }
    }

    /// <summary>Takes one retry from the budget; false when it is spent.</summary>
    public bool TryWithdraw()
    {
        lock (_lock)
        {
            Advance();
            if (Sum() + _reserve < Scale)
            {
                return false;
            }

            _slices[_currentSlice % Slices] -= Scale;
            return true;
        }
    }

    // Called under the lock: slices older than the window are emptied as time moves on.
    private void Advance()
    {
        var now = _time.GetTimestamp() / _sliceTicks;
        var passed = now - _currentSlice;
        if (passed <= 0)
        {
            return;
        }

        for (var i = 1; i <= Math.Min(passed, Slices); i++)
        {
            _slices[(_currentSlice + i) % Slices] = 0;
        }

        _currentSlice = now;
    }

    private long Sum()
    {
        var sum = 0L;
        foreach (var slice in _slices)
        {
            sum += slice;
        }

        return sum;
    }
}
