using System.Buffers;
using AsgiBridge.Cycle;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AsgiBridge.HttpContextBackend;

/// <summary>
/// The request body as <c>http.request</c> events, read from ASP.NET Core's request pipe: at most 1 MiB a piece,
/// copied into an array the application keeps, <c>more_body</c> true until the last. The server under it owns the
/// framing, the limits and the timeouts (the request's <see cref="IHttpMaxRequestBodySizeFeature"/> and
/// <c>IHttpMinRequestBodyDataRateFeature</c>, set from the <c>Asgi</c> settings); <c>Expect: 100-continue</c>
/// is answered by the server on the first read. A read that fails means the client is gone or the body was bad; a
/// bad body's status (413, 408, 400) is kept so the answer can say so when nothing is written yet.
/// </summary>
internal sealed class HttpContextRequestBody : IRequestBodySource
{
    /// <summary>The largest piece one <c>http.request</c> carries (as on the HTTP/1.1 handler).</summary>
    public const int MaxPiece = 1024 * 1024;

    private readonly HttpContext _context;
    private readonly bool _canHaveBody;

    public HttpContextRequestBody(HttpContext context)
    {
        _context = context;
        _canHaveBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true;
        IsComplete = !_canHaveBody;
    }

    /// <summary>Whether the whole body has been read (true at once for a request without a body).</summary>
    public bool IsComplete { get; private set; }

    /// <summary>The status of a bad body (<see cref="BadHttpRequestException.StatusCode"/>), 0 when none.</summary>
    public int RejectedStatus { get; private set; }

    /// <summary>Reads the next piece; <see cref="RequestBodyRead.Gone"/> when the client is gone or the body failed.</summary>
    public async ValueTask<RequestBodyRead> ReadAsync()
    {
        var reader = _context.Request.BodyReader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_context.RequestAborted).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled)
                {
                    reader.AdvanceTo(buffer.Start);
                    return new RequestBodyRead(null, Gone: true);
                }

                if (!buffer.IsEmpty)
                {
                    var piece = buffer.Slice(0, Math.Min(buffer.Length, MaxPiece));
                    var data = piece.ToArray();
                    var last = result.IsCompleted && piece.Length == buffer.Length;
                    reader.AdvanceTo(piece.End);
                    IsComplete = last;
                    return new RequestBodyRead(data, Gone: false);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    IsComplete = true;
                    return new RequestBodyRead(null, Gone: false);
                }
            }
        }
        catch (BadHttpRequestException ex)
        {
            RejectedStatus = ex.StatusCode;
            return new RequestBodyRead(null, Gone: true);
        }
        catch (Exception ex) when (HttpContextResponseWire.IsTransportError(ex))
        {
            return new RequestBodyRead(null, Gone: true);
        }
    }
}
