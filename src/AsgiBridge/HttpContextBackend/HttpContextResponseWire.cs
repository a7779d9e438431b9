using System.Text;
using AsgiBridge.Cycle;
using AsgiBridge.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Win32.SafeHandles;

namespace AsgiBridge.HttpContextBackend;

/// <summary>
/// The HttpContext backend's <see cref="IResponseWire"/>: what the shared <see cref="RequestCycle"/> has validated and
/// counted goes out through ASP.NET Core's <see cref="HttpResponse"/> and <see cref="IHttpResponseBodyFeature"/>:
/// status and headers, then the body through the response's pipe (each write flushed, so <c>send</c> completes when
/// the server has taken the bytes: backpressure), <see cref="IHttpResponseBodyFeature.SendFileAsync"/> for
/// <c>pathsend</c>, and <see cref="HttpResponse.CompleteAsync"/> after the last piece. The server under it frames the
/// body for its protocol (HTTP/1.1 content-length or chunked, HTTP/2 and HTTP/3 DATA frames) and adds <c>date</c>
/// and <c>server</c>. A failed write means the client is gone: <see cref="ClientDisconnectedException"/>.
/// </summary>
internal sealed class HttpContextResponseWire : IResponseWire, IDisposable
{
    private readonly HttpContext _context;
    private readonly bool _http1;
    private readonly AsyncGate _gate = new();
    private readonly Hosting.DefaultResponseHeaders _defaults;
    private RequestCycle? _cycle;

    /// <param name="context">The request.</param>
    /// <param name="defaults">Asgi:Headers, which every response carries besides the application's.</param>
    public HttpContextResponseWire(HttpContext context, Hosting.DefaultResponseHeaders defaults)
    {
        _context = context;
        _defaults = defaults;
        _http1 = HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol);
    }

    /// <summary>The cycle whose response this wire writes (made with the wire, so set right after).</summary>
    public RequestCycle Cycle
    {
        get => _cycle ?? throw new InvalidOperationException("The wire has no request cycle.");
        set => _cycle = value;
    }

    /// <summary>The server refused the head the cycle handed over (nothing of it reached the server).</summary>
    public bool HeadRefused { get; private set; }

    /// <summary>Body bytes handed to the server.</summary>
    public long BytesWritten { get; private set; }

    public bool TryEnterWrite() => _gate.TryEnter();

    public ValueTask EnterWriteAsync() => _gate.EnterAsync();

    public void ExitWrite() => _gate.Exit();

    public ValueTask WriteHeadAsync(ReadOnlyMemory<byte> body, bool last)
    {
        SetHead();
        return WriteBodyAsync(body, last);
    }

    public async ValueTask WriteBodyAsync(ReadOnlyMemory<byte> body, bool last)
    {
        var cycle = Cycle;
        try
        {
            if (!body.IsEmpty && cycle.BodyKind != ResponseBodyKind.None)
            {
                var result = await _context.Response.BodyWriter.WriteAsync(body, _context.RequestAborted).ConfigureAwait(false);
                BytesWritten += body.Length;
                if (result.IsCanceled || result.IsCompleted)
                {
                    throw new ClientDisconnectedException();
                }
            }
            else if (!last && !_context.Response.HasStarted)
            {
                await _context.Response.StartAsync(_context.RequestAborted).ConfigureAwait(false);
            }

            // A response short of its content-length is not completed: the backend aborts it once the application
            // returns, so it never looks complete.
            if (last && !cycle.IsShort)
            {
                await _context.Response.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            cycle.MarkClientGone();
            throw new ClientDisconnectedException("The client disconnected.", ex);
        }
        catch (ClientDisconnectedException)
        {
            cycle.MarkClientGone();
            throw;
        }
    }

    public async ValueTask WriteFileAsync(SafeFileHandle file, long length, string path)
    {
        // The cycle opened and measured the file; the feature opens the path itself (zero-copy where the server can).
        _ = file;
        SetHead();
        var cycle = Cycle;
        try
        {
            if (cycle.BodyKind != ResponseBodyKind.None && length > 0)
            {
                await _context.Response.SendFileAsync(path, 0, length, _context.RequestAborted).ConfigureAwait(false);
                BytesWritten += length;
            }

            if (!cycle.IsShort)
            {
                await _context.Response.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            cycle.MarkClientGone();
            throw new ClientDisconnectedException("The client disconnected.", ex);
        }
    }

    /// <summary>
    /// Completes the response with trailer fields through <see cref="IHttpResponseTrailersFeature"/> (the server sends
    /// them: HTTP/2 and HTTP/3 as a HEADERS frame after the body). The cycle hands over none where the request did not
    /// declare the extension.
    /// </summary>
    public async ValueTask WriteTrailersAsync(IReadOnlyList<AsgiHeader> trailers)
    {
        var cycle = Cycle;
        var response = _context.Response;
        try
        {
            for (var i = 0; i < trailers.Count; i++)
            {
                var field = trailers[i];
                var name = Encoding.Latin1.GetString(field.Name.Span);
                try
                {
                    response.AppendTrailer(name, Encoding.Latin1.GetString(field.Value.Span));
                }
                catch (InvalidOperationException ex)
                {
                    throw new AsgiProtocolException($"'http.response.trailers' event: key 'headers': the server refused '{name}': {ex.Message}", ex);
                }
            }

            if (!cycle.IsShort)
            {
                await response.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            cycle.MarkClientGone();
            throw new ClientDisconnectedException("The client disconnected.", ex);
        }
    }

    /// <summary>
    /// Informational responses are the server's on this backend: Kestrel answers <c>Expect: 100-continue</c> itself on
    /// the first body read; nothing else is asked of this wire yet.
    /// </summary>
    public ValueTask WriteInformationalAsync(int status, IReadOnlyList<AsgiHeader> headers) => default;

    /// <summary>A short plain-text answer in the application's place (a 413 for a body too large): the message and a newline.</summary>
    public ValueTask WriteErrorAsync(int status, string message) => WriteAnswerAsync(ServerAnswer.Text(status, message));

    /// <summary>The server's own answer in the application's place (a clean 500, a WebSocket refusal).</summary>
    public async ValueTask WriteAnswerAsync(ServerAnswer answer)
    {
        var response = _context.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.Clear();
        AddDefaultHeaders();
        response.StatusCode = answer.Status;
        response.ContentType = answer.ContentType;
        var bytes = Encoding.UTF8.GetBytes(answer.Body);
        response.ContentLength = bytes.Length;
        try
        {
            await response.Body.WriteAsync(bytes, _context.RequestAborted).ConfigureAwait(false);
            BytesWritten += bytes.Length;
            await response.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            // The client is gone: nobody to answer.
        }
    }

    /// <summary>Ends the exchange abruptly: HTTP/1.1 closes the connection, HTTP/2 and HTTP/3 reset the stream.</summary>
    public void Abort() => _context.Abort();

    public void Dispose() => _gate.Dispose();

    public static bool IsTransportError(Exception ex) =>
        ex is IOException or OperationCanceledException or ObjectDisposedException;

    /// <summary>
    /// Asgi:Headers, ahead of the application's, which add to them rather than replace them (uvicorn's default
    /// headers); a default <c>server</c> keeps the server's own out (Kestrel writes one only when none is set).
    /// </summary>
    public void AddDefaultHeaders()
    {
        var fields = _defaults.Fields;
        if (fields.Length == 0)
        {
            return;
        }

        var target = _context.Response.Headers;
        foreach (var (name, value) in fields)
        {
            target.Append(name, value);
        }
    }

    /// <summary>Status, Asgi:Headers, the application's headers, and the content-length the cycle decided.</summary>
    private void SetHead()
    {
        var cycle = Cycle;
        var response = _context.Response;
        var status = cycle.Status;
        response.StatusCode = status;
        var headers = cycle.Headers;
        var target = response.Headers;
        AddDefaultHeaders();
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i];
            var name = header.Name.Span;
            // Framing is the server's (ASGI spec: an app's transfer-encoding is ignored); content-length is set below.
            // HTTP/2 and HTTP/3 forbid connection-specific fields (RFC 9113 §8.2.2): they are dropped there.
            if (ResponseHeaderInfo.IsTransferEncoding(name) || ResponseHeaderInfo.IsContentLength(name) || (!_http1 && IsConnectionSpecific(name)))
            {
                continue;
            }

            try
            {
                target.Append(KnownHeaderNames.String(name), Encoding.Latin1.GetString(header.Value.Span));
            }
            catch (InvalidOperationException ex)
            {
                // The server refuses a value the contract allows (Kestrel: bytes above 0x7F without a response header
                // encoding). Nothing has reached the server yet, so the exchange can still end in a clean 500.
                HeadRefused = true;
                throw new AsgiProtocolException($"'http.response.start' event: key 'headers': the server refused the value of '{Encoding.Latin1.GetString(name)}': {ex.Message}", ex);
            }
        }

        if (status < 200 || status == 204)
        {
            return; // RFC 9110 §8.6: no content-length in a 1xx or 204.
        }

        // A 304 keeps the application's content-length (the selected representation's, RFC 9110 §8.6) and carries no
        // body, as on the HTTP/1.1 handler; the cycle computes none for it.

        ref readonly var info = ref cycle.HeaderInfo;
        if (info.HasContentLength)
        {
            response.ContentLength = info.ContentLength;
        }
        else if (cycle.ComputedContentLength >= 0)
        {
            response.ContentLength = cycle.ComputedContentLength;
        }
    }

    private static bool IsConnectionSpecific(ReadOnlySpan<byte> name) =>
        Ascii.EqualsIgnoreCase(name, "connection"u8) || Ascii.EqualsIgnoreCase(name, "keep-alive"u8)
        || Ascii.EqualsIgnoreCase(name, "proxy-connection"u8) || Ascii.EqualsIgnoreCase(name, "upgrade"u8);
}
