namespace AsgiBridge.Infrastructure;

/// <summary>
/// An async mutual-exclusion gate whose uncontended path is one interlocked operation each way (no lock, no Task).
/// The connection's output has one writer almost always (the application's send); a concurrent receive that must
/// write (100 Continue, a body error, a WebSocket close reply, a shutdown close) is the rare contended case, which
/// waits on a semaphore and is handed the gate.
/// SemaphoreSlim alone costs two monitor enters per response on the hot path (bench/Micro ResponseBenchmarks).
/// </summary>
internal sealed class AsyncGate : IDisposable
{
    private readonly SemaphoreSlim _waiters = new(0);
    private int _count;

    /// <summary>Enters the gate; completes at once when nobody holds it.</summary>
    public ValueTask EnterAsync() =>
        Interlocked.Increment(ref _count) == 1 ? default : new ValueTask(_waiters.WaitAsync());

    /// <summary>Enters the gate only if nobody holds it (no waiting): the send path's synchronous fast path.</summary>
    public bool TryEnter() => Interlocked.CompareExchange(ref _count, 1, 0) == 0;

    /// <summary>Leaves the gate, handing it to one waiter if there is one.</summary>
    public void Exit()
    {
        if (Interlocked.Decrement(ref _count) > 0)
        {
            _waiters.Release();
        }
    }

    public void Dispose() => _waiters.Dispose();
}
