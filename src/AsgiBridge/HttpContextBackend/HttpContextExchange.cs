using AsgiBridge.Cycle;
using AsgiBridge.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.HttpContextBackend;

/// <summary>
/// One <c>http</c> request on the HttpContext backend. The application's <c>receive</c> and <c>send</c> are the shared
/// <see cref="RequestCycle"/>'s (the same ASGI rules and messages as AsgiBridge's HTTP/1.1 handler), over this
/// backend's body source and wire. After the application returns (docs/contract.md, "App outcomes"): a clean 500
/// while nothing is written; an aborted exchange (HTTP/1.1: the connection closes; HTTP/2: the stream is reset) when
/// the response is incomplete or short of its content-length, so a truncated response never looks complete.
/// </summary>
internal sealed class HttpContextExchange : IDisposable
{
    private readonly HttpContext _context;
    private readonly HttpContextRequestBody _body;
    private readonly HttpContextResponseWire _wire;
    private readonly RequestCycle _cycle;
    private readonly CancellationTokenRegistration _aborted;

    /// <param name="context">The request.</param>
    /// <param name="trailers">Whether its response can carry trailer fields (<see cref="HttpContextScope.TrailerSupportOf"/>, as its scope declares).</param>
    /// <param name="defaults">Asgi:Headers, which the response carries besides the application's.</param>
    public HttpContextExchange(HttpContext context, TrailerSupport trailers, Hosting.DefaultResponseHeaders defaults)
    {
        _context = context;
        _body = new HttpContextRequestBody(context);
        _wire = new HttpContextResponseWire(context, defaults);
        _cycle = new RequestCycle(_wire, _body);
        _wire.Cycle = _cycle;
        _cycle.Reset(HttpMethods.IsHead(context.Request.Method));
        _cycle.TrailerSupport = trailers;
        _aborted = context.RequestAborted.Register(static state => ((HttpContextExchange)state!).OnAborted(), this);
    }

    /// <summary>The status the client got (0 when nothing was written) and the body bytes written.</summary>
    public (int Status, long Bytes) Answer =>
        (_context.Response.HasStarted || (_cycle.HeadWritten && !_wire.HeadRefused && !_cycle.ClientGone) ? _context.Response.StatusCode : 0, _wire.BytesWritten);

    private void OnAborted()
    {
        _cycle.MarkClientGone();
        _cycle.OnPeerClosed();
    }

    /// <summary>Runs the application for this request and settles its outcome.</summary>
    public async Task RunAsync(AsgiApp app, AsgiScope scope, ILogger logger)
    {
        Exception? failure = null;
        try
        {
            await app(scope, _cycle.ReceiveAsync, _cycle.SendAsync).ConfigureAwait(false);
        }
        catch (ClientDisconnectedException)
        {
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        _cycle.OnAppReturned();
        await _wire.EnterWriteAsync().ConfigureAwait(false);
        try
        {
            await SettleAsync(scope, logger, failure).ConfigureAwait(false);
        }
        finally
        {
            _wire.ExitWrite();
        }
    }

    private async ValueTask SettleAsync(AsgiScope scope, ILogger logger, Exception? failure)
    {
        if (_body.RejectedStatus != 0 && _cycle.TryAnswerInstead())
        {
            // The server refused the body (413 too large, 408 too slow, 400 malformed) and nothing is written yet.
            await _wire.WriteErrorAsync(_body.RejectedStatus, ReasonPhrases.GetReasonPhrase(_body.RejectedStatus)).ConfigureAwait(false);
            return;
        }

        if (_cycle.ClientGone || _context.RequestAborted.IsCancellationRequested)
        {
            if (!_cycle.IsComplete)
            {
                _wire.Abort();
            }

            return;
        }

        if (!_cycle.HeadWritten || _wire.HeadRefused)
        {
            // Nothing is on the wire yet, even if http.response.start was sent (or the server refused the head the
            // cycle handed over): a clean 500 is still possible.
            if (failure is not null)
            {
                Log.AppFailedBeforeResponse(logger, scope.Method, scope.Path, failure);
            }
            else
            {
                Log.AppReturnedWithoutResponse(logger, scope.Method, scope.Path);
            }

            _cycle.TryAnswerInstead();
            await _wire.WriteAnswerAsync(ServerAnswer.InternalServerError).ConfigureAwait(false);
            return;
        }

        if (failure is not null || !_cycle.IsComplete)
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

        if (_cycle.IsShort)
        {
            Log.ContentLengthShort(logger, scope.Method, scope.Path, _cycle.HeaderInfo.ContentLength, _cycle.BodyBytes);
            _wire.Abort();
        }
    }

    public void Dispose()
    {
        _aborted.Dispose();
        _wire.Dispose();
    }
}
