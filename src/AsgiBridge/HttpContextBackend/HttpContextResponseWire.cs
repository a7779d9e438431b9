using System.Text;
using AsgiBridge.Http1;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Win32.SafeHandles;

namespace AsgiBridge.HttpContextBackend;

/// <summary>
/// Writes a validated, counted response through ASP.NET Core's <see cref="HttpResponse"/> and
/// <see cref="IHttpResponseBodyFeature"/>: status and headers, then the body through the response's pipe (each write
/// flushed, so <c>send</c> completes when the server has taken the bytes: backpressure), then
/// <see cref="HttpResponse.CompleteAsync"/> for the last piece. The server under it frames the body for its protocol
/// (HTTP/1.1 content-length or chunked, HTTP/2 and HTTP/3 DATA frames) and adds <c>date</c> and <c>server</c>.
/// Any failure to write means the client is gone: <see cref="ClientDisconnectedException"/>.
/// </summary>
internal sealed class HttpContextResponseWire
{
    private readonly HttpContext _context;
    private readonly bool _http1;

    public HttpContextResponseWire(HttpContext context)
    {
        _context = context;
        _http1 = HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol);
    }

    /// <summary>Body bytes the wire has handed to the server.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Writes the head: status, the application's headers, and the content-length the rules chose (-1: none).</summary>
    public void SetHead(int status, IReadOnlyList<AsgiHeader> headers, long contentLength)
    {
        var response = _context.Response;
        response.StatusCode = status;
        var target = response.Headers;
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

            target.Append(Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(header.Value.Span));
        }

        if (contentLength >= 0)
        {
            response.ContentLength = contentLength;
        }
    }

    /// <summary>Writes a body piece and flushes it; <paramref name="last"/> completes the response.</summary>
    public async ValueTask WriteBodyAsync(ReadOnlyMemory<byte> body, bool last)
    {
        try
        {
            if (!body.IsEmpty)
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

            if (last)
            {
                await _context.Response.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            throw new ClientDisconnectedException("The client disconnected.", ex);
        }
    }

    /// <summary>Sends the file as the whole body (<see cref="IHttpResponseBodyFeature.SendFileAsync"/>) and completes the response.</summary>
    public async ValueTask WriteFileAsync(SafeFileHandle file, long length, string path)
    {
        _ = file; // opened and measured by the rules; the feature opens the path itself (zero-copy where the server can)
        try
        {
            await _context.Response.SendFileAsync(path, 0, length, _context.RequestAborted).ConfigureAwait(false);
            BytesWritten += length;
            await _context.Response.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            throw new ClientDisconnectedException("The client disconnected.", ex);
        }
    }

    /// <summary>A short plain-text answer in the application's place (a clean 500, a 413 for a body too large).</summary>
    public async ValueTask WriteErrorAsync(int status, string message)
    {
        var response = _context.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.Clear();
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        var bytes = Encoding.UTF8.GetBytes(message + "\n");
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

    public static bool IsTransportError(Exception ex) =>
        ex is IOException or OperationCanceledException or ObjectDisposedException or Microsoft.AspNetCore.Connections.ConnectionResetException;

    private static bool IsConnectionSpecific(ReadOnlySpan<byte> name) =>
        System.Text.Ascii.EqualsIgnoreCase(name, "connection"u8) || System.Text.Ascii.EqualsIgnoreCase(name, "keep-alive"u8)
        || System.Text.Ascii.EqualsIgnoreCase(name, "proxy-connection"u8) || System.Text.Ascii.EqualsIgnoreCase(name, "upgrade"u8);
}
