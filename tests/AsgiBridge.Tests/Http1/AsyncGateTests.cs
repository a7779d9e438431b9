using AsgiBridge.Infrastructure;

namespace AsgiBridge.Tests.Http1;

public sealed class AsyncGateTests
{
    [Fact]
    public async Task Only_one_holder_at_a_time_and_every_waiter_gets_its_turn()
    {
        using var gate = new AsyncGate();
        var inside = 0;
        var maxInside = 0;
        var entries = 0;
        var tasks = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 500; i++)
            {
                await gate.EnterAsync();
                try
                {
                    var now = Interlocked.Increment(ref inside);
                    maxInside = Math.Max(maxInside, now);
                    entries++; // not atomic on purpose: the gate must make it safe
                    if (i % 50 == 0)
                    {
                        await Task.Yield(); // hold the gate across an await
                    }

                    Interlocked.Decrement(ref inside);
                }
                finally
                {
                    gate.Exit();
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, maxInside);
        Assert.Equal(8 * 500, entries);
    }

    [Fact]
    public async Task An_uncontended_enter_completes_synchronously()
    {
        using var gate = new AsyncGate();
        var first = gate.EnterAsync();
        Assert.True(first.IsCompletedSuccessfully);
        await first;
        var second = gate.EnterAsync();
        Assert.False(second.IsCompleted);
        gate.Exit();
        await second.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        gate.Exit();
        var third = gate.EnterAsync();
        Assert.True(third.IsCompletedSuccessfully);
        await third;
    }
}
