namespace AsgiBridge.Infrastructure;

/// <summary>
/// An async mutual-exclusion gate whose uncontended path is one interlocked operation each way (no lock, no Task).
/// The connection's output has one writer almost always (the application's send); a concurrent receive that must
/// write (100 Continue, a body error, a WebSocket close reply, a shutdown close) is the rare contended case, which
/// waits on a semaphore and is handed the gate. The semaphore is made by the first contention only: a gate made per
/// request (the HttpContext backend) costs one small object when nobody contends.
/// SemaphoreSlim alone costs two monitor enters per response on the hot path (bench/Micro ResponseBenchmarks).
/// </summary>
internal sealed class AsyncGate : IDisposable
{
    private SemaphoreSlim? _waiters;
    private int _count;

    private SemaphoreSlim Waiters => LazyInitializer.EnsureInitialized(ref _waiters, static () => new SemaphoreSlim(0));

    /// <summary>Enters the gate; completes at once when nobody holds it.</summary>
    public ValueTask EnterAsync() =>
        Interlocked.Increment(ref _count) == 1 ? default : new ValueTask(Waiters.WaitAsync());

    /// <summary>Enters the gate only if nobody holds it (no waiting): the send path's synchronous fast path.</summary>
    public bool TryEnter() => Interlocked.CompareExchange(ref _count, 1, 0) == 0;

    /// <summary>Leaves the gate, handing it to one waiter if there is one.</summary>
    public void Exit()
    {
        if (Interlocked.Decrement(ref _count) > 0)
        {
            Waiters.Release();
        }
    }

    public void Dispose() => _waiters?.Dispose();
}
