using Linnet.Proxy.Configuration;
using Linnet.Proxy.Resilience;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.Proxy.Tests.Resilience;

public sealed class RetryBudgetTests
{
    [Fact]
    public void TryWithdraw_NoRequests_ReserveOfMinRateTimesTtl()
    {
        var budget = new RetryBudget(RetryBudgetConfig.Default, new FakeTimeProvider());

        Assert.Equal(100, Withdraw(budget, 1_000));
    }

    [Fact]
    public void TryWithdraw_AfterRequests_TwentyPercentOfThemPlusReserve()
    {
        var budget = new RetryBudget(RetryBudgetConfig.Default, new FakeTimeProvider());
        for (var i = 0; i < 1_000; i++)
        {
            budget.Deposit();
        }

        Assert.Equal(200 + 100, Withdraw(budget, 10_000));
    }

    [Fact]
    public void TryWithdraw_AfterTtl_WithdrawalsExpireAndReserveIsBack()
    {
        var time = new FakeTimeProvider();
        var budget = new RetryBudget(RetryBudgetConfig.Default, time);
        Assert.Equal(100, Withdraw(budget, 1_000));

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, Withdraw(budget, 1_000));

        time.Advance(TimeSpan.FromSeconds(5.1));
        Assert.Equal(100, Withdraw(budget, 1_000));
    }

    [Fact]
    public void Deposit_OlderThanTtl_Expires()
    {
        var time = new FakeTimeProvider();
        var budget = new RetryBudget(RetryBudgetConfig.Default with { MinRetriesPerSecond = 0 }, time);
        for (var i = 0; i < 100; i++)
        {
            budget.Deposit();
        }

        time.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(20, budget.Available);

        time.Advance(TimeSpan.FromSeconds(2.5));
        Assert.Equal(0, budget.Available);
        Assert.False(budget.TryWithdraw());
    }

    [Fact]
    public void TryWithdraw_SustainedFailure_RetriesBoundedByRatioPlusMinRatePerWindow()
    {
        // Every request fails and wants 3 retries; 100 requests a second for 60 s.
        var time = new FakeTimeProvider();
        var budget = new RetryBudget(RetryBudgetConfig.Default, time);
        var retries = 0;
        for (var second = 0; second < 60; second++)
        {
            for (var i = 0; i < 100; i++)
            {
                budget.Deposit();
                for (var r = 0; r < 3 && budget.TryWithdraw(); r++)
                {
                    retries++;
                }

                time.Advance(TimeSpan.FromMilliseconds(10));
            }
        }

        // 20 % of 6,000 requests plus 10 a second (the reserve of one window at the start, at most).
        Assert.InRange(retries, 1_200 + 500, 1_200 + 600 + 100);
    }

    private static int Withdraw(RetryBudget budget, int tries)
    {
        var taken = 0;
        for (var i = 0; i < tries; i++)
        {
            if (budget.TryWithdraw())
            {
                taken++;
            }
        }

        return taken;
    }
}
