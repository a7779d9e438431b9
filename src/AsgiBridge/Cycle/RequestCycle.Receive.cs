using System.Runtime.CompilerServices;
using AsgiBridge.Infrastructure;

namespace AsgiBridge.Cycle;

/// <summary>
/// <c>receive</c>: the request body as <c>http.request</c> events (<c>more_body</c> until the last), then
/// <c>http.disconnect</c> once the response is complete, the application has returned or the client is gone.
/// </summary>
internal sealed partial class RequestCycle
{
    private bool _bodyDelivered;
    private volatile bool _receiveInFlight;
    private TaskCompletionSource? _receiveSettled;
    private volatile bool _peerClosed;
    private TaskCompletionSource? _disconnectWaiter;

    private const int DisconnectNone = 0;
    private const int DisconnectWaiting = 1;
    private const int DisconnectSignalled = 2;

    /// <summary>
    /// Whether a receive waits for the end of the request (<see cref="DisconnectWaiting"/>) or the end was signalled.
    /// An int rather than the waiter itself: exchanging an int is one instruction, an object reference a runtime call.
    /// </summary>
    private int _disconnectState;

    /// <summary>A <c>receive</c> is reading the body now (the connection is reusable once it ends: <see cref="WhenReceiveSettled"/>).</summary>
    public bool ReceiveInFlight => _receiveInFlight;

    /// <summary>
    /// Completes when the <c>receive</c> reading the body has ended (at once when none is): one the application left
    /// behind when it returned — a task that waited in <c>receive()</c> was cancelled — still owns the body reader.
    /// </summary>
    public Task WhenReceiveSettled()
    {
        var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _receiveSettled, settled);

        // After the exchange (a full fence): the read's end either sees the waiter or has already been seen here.
        if (!_receiveInFlight)
        {
            settled.TrySetResult();
        }

        return settled.Task;
    }

    private void ResetReceive()
    {
        _bodyDelivered = false;
        _receiveInFlight = false;
        _receiveSettled = null;
        // No receive of the previous request can still be waiting: its wait ended when that application returned.
        _disconnectWaiter = null;
        _disconnectState = DisconnectNone;
    }

    /// <summary>The connection's peer closed (sticky for the connection): a waiting <c>receive</c> gets <c>http.disconnect</c>.</summary>
    public void OnPeerClosed()
    {
        _peerClosed = true;
        SignalDisconnect();
    }

    /// <summary>The application's <c>receive</c> for an <c>http</c> scope.</summary>
    public ValueTask<IDictionary<string, object?>> ReceiveAsync()
    {
        if (_appDone || _clientGone || _state == ResponseState.Complete)
        {
            return new ValueTask<IDictionary<string, object?>>(new HttpDisconnectEvent());
        }

        if (_bodyDelivered)
        {
            return WaitForDisconnectAsync();
        }

        if (_body.IsComplete)
        {
            // No body at all (or nothing left after the last piece): the one final, empty http.request.
            _bodyDelivered = true;
            return new ValueTask<IDictionary<string, object?>>(new HttpRequestEvent(ReadOnlyMemory<byte>.Empty, moreBody: false));
        }

        if (_receiveInFlight)
        {
            ThrowHelper.ThrowProtocol("receive() was called while another receive() for the same request is still pending.");
        }

        return ReadRequestEventAsync();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<IDictionary<string, object?>> ReadRequestEventAsync()
    {
        _receiveInFlight = true;
        try
        {
            var read = await _body.ReadAsync().ConfigureAwait(false);
            if (read.Gone)
            {
                _clientGone = true;
                return new HttpDisconnectEvent();
            }

            var complete = _body.IsComplete;
            _bodyDelivered = complete;
            return new HttpRequestEvent(read.Data ?? [], !complete);
        }
        finally
        {
            _receiveInFlight = false;
            Interlocked.Exchange(ref _receiveSettled, null)?.TrySetResult();
        }
    }

    /// <summary>After the whole body: wait until the response is complete or the client leaves (ASGI http.disconnect).</summary>
    private async ValueTask<IDictionary<string, object?>> WaitForDisconnectAsync()
    {
        // Installed with a compare-exchange: an application may wait in two receives at once; both share one waiter.
        var waiter = Volatile.Read(ref _disconnectWaiter);
        if (waiter is null)
        {
            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiter = Interlocked.CompareExchange(ref _disconnectWaiter, created, null) ?? created;
        }

        // Then published through the state. Either SignalDisconnect's exchange came first (the state says
        // signalled, checked below) or it comes later and sees Waiting, and then the waiter installed before it:
        // the state's single order of atomic operations means the wake-up cannot be lost (no lock).
        Interlocked.CompareExchange(ref _disconnectState, DisconnectWaiting, DisconnectNone);
        if (Volatile.Read(ref _disconnectState) == DisconnectSignalled || _peerClosed || _appDone || _state == ResponseState.Complete || _clientGone)
        {
            waiter.TrySetResult();
        }

        await waiter.Task.ConfigureAwait(false);
        return new HttpDisconnectEvent();
    }

    /// <summary>
    /// Wakes a receive waiting for the end of the request (the caller set the flag that ends the wait). Once
    /// signalled, later calls return at once (the common case: the response completes, then the application returns).
    /// </summary>
    private void SignalDisconnect()
    {
        if (Volatile.Read(ref _disconnectState) == DisconnectSignalled)
        {
            return;
        }

        if (Interlocked.Exchange(ref _disconnectState, DisconnectSignalled) == DisconnectWaiting)
        {
            Volatile.Read(ref _disconnectWaiter)?.TrySetResult();
        }
    }
}
