using AsgiBridge.Diagnostics;
using AsgiBridge.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.HttpContextBackend;

/// <summary>
/// One <c>http</c> request on the HttpContext backend: the application's <c>receive</c> and <c>send</c>, and what
/// happens after it returns (docs/contract.md, "App outcomes"): a clean 500 while nothing is written, an aborted
/// exchange (HTTP/1.1: the connection closes; HTTP/2: the stream is reset) when the response is incomplete, so a
/// truncated response never looks complete.
/// </summary>
internal sealed class HttpContextExchange : IDisposable
{
    private static readonly HttpDisconnectEvent s_disconnect = new();

    private readonly HttpContext _context;
    private readonly HttpContextRequestBody _body;
    private readonly HttpContextResponseWire _wire;
    private readonly HttpContextResponse _response;
    private readonly TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenRegistration _aborted;
    private bool _receiveInFlight;

    public HttpContextExchange(HttpContext context)
    {
        _context = context;
        _body = new HttpContextRequestBody(context);
        _wire = new HttpContextResponseWire(context);
        _response = new HttpContextResponse(_wire, context.Request.Method);
        _response.Completed += () => _disconnected.TrySetResult();
        _aborted = context.RequestAborted.Register(static state => ((HttpContextExchange)state!).OnAborted(), this);
    }

    /// <summary>The status the client got (0 when nothing was written) and the body bytes written.</summary>
    public (int Status, long Bytes) Answer => (_context.Response.HasStarted ? _context.Response.StatusCode : 0, _wire.BytesWritten);

    private void OnAborted()
    {
        _response.ClientGone = true;
        _disconnected.TrySetResult();
    }

    public ValueTask<IDictionary<string, object?>> ReceiveAsync()
    {
        if (_receiveInFlight)
        {
            ThrowHelper.ThrowProtocol("receive() was called while another receive() for the same request is still pending.");
        }

        if (_disconnected.Task.IsCompleted)
        {
            return new ValueTask<IDictionary<string, object?>>(s_disconnect);
        }

        return _body.IsComplete ? WaitForDisconnectAsync() : ReadAsync();
    }

    private async ValueTask<IDictionary<string, object?>> ReadAsync()
    {
        _receiveInFlight = true;
        try
        {
            if (await _body.ReadAsync().ConfigureAwait(false) is { } piece)
            {
                return piece;
            }

            // The client left, or the body was bad: either way nothing more will arrive, and sends now raise.
            _response.ClientGone = true;
            _disconnected.TrySetResult();
            return s_disconnect;
        }
        finally
        {
            _receiveInFlight = false;
        }
    }

    private async ValueTask<IDictionary<string, object?>> WaitForDisconnectAsync()
    {
        _receiveInFlight = true;
        try
        {
            await _disconnected.Task.ConfigureAwait(false);
            return s_disconnect;
        }
        finally
        {
            _receiveInFlight = false;
        }
    }

    public ValueTask SendAsync(IDictionary<string, object?> message) => _response.SendAsync(message);

    /// <summary>Runs the application for this request and settles its outcome.</summary>
    public async Task RunAsync(AsgiApp app, AsgiScope scope, ILogger logger)
    {
        Exception? failure = null;
        try
        {
            await app(scope, ReceiveAsync, SendAsync).ConfigureAwait(false);
        }
        catch (ClientDisconnectedException)
        {
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        _response.AppDone = true;
        _disconnected.TrySetResult();
        var progress = _response.Progress;
        if (_body.RejectedStatus != 0 && progress < ResponseProgress.HeadWritten)
        {
            // The server refused the body (413 too large, 408 too slow, 400 malformed) and nothing is written yet.
            await _wire.WriteErrorAsync(_body.RejectedStatus, ReasonPhrases.GetReasonPhrase(_body.RejectedStatus)).ConfigureAwait(false);
            return;
        }

        if (_response.ClientGone || _context.RequestAborted.IsCancellationRequested)
        {
            if (progress != ResponseProgress.Complete)
            {
                _wire.Abort();
            }

            return;
        }

        if (progress < ResponseProgress.HeadWritten)
        {
            // Nothing is on the wire yet, even if http.response.start was sent: a clean 500 is still possible.
            if (failure is not null)
            {
                Log.AppFailedBeforeResponse(logger, scope.Method, scope.Path, failure);
            }
            else
            {
                Log.AppReturnedWithoutResponse(logger, scope.Method, scope.Path);
            }

            await _wire.WriteErrorAsync(500, "Internal Server Error").ConfigureAwait(false);
            return;
        }

        if (failure is not null || progress != ResponseProgress.Complete)
        {
            if (failure is not null)
            {
                Log.AppFailedAfterResponse(logger, scope.Method, scope.Path, failure);
            }
            else
            {
                Log.AppReturnedIncompleteResponse(logger, scope.Method, scope.Path);
            }

            _wire.Abort();
            return;
        }

        if (_response.Short)
        {
            Log.ContentLengthShort(logger, scope.Method, scope.Path, _response.DeclaredLength, _response.BytesCounted);
            _wire.Abort();
        }
    }

    public void Dispose()
    {
        _aborted.Dispose();
        _response.Dispose();
    }
}
