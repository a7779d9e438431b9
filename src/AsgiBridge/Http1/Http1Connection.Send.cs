using AsgiBridge.Cycle;
using Microsoft.Win32.SafeHandles;

namespace AsgiBridge.Http1;

/// <summary>
/// The HTTP/1.1 wire under the request cycle: the write gate, and the framing the cycle leaves to the protocol
/// (content-length, chunked or close-delimited; the keep-alive consequences of each).
/// </summary>
internal sealed partial class Http1Connection : IResponseWire
{
    private ResponseFraming _framing;

    private void ResetResponse() => _framing = ResponseFraming.ContentLength;

    bool IResponseWire.TryEnterWrite() => _writeLock.TryEnter();

    ValueTask IResponseWire.EnterWriteAsync() => _writeLock.EnterAsync();

    void IResponseWire.ExitWrite() => _writeLock.Exit();

    /// <summary>Largest first body piece written in the same pipe span as the head (one advance for the whole response).</summary>
    private const int InlineBodyLimit = 2048;

    ValueTask IResponseWire.WriteHeadAsync(ReadOnlyMemory<byte> body, bool last)
    {
        ChooseFraming();
        if (body.Length <= InlineBodyLimit)
        {
            WriteHead(body.Span, last);
            return FinishPiece(wroteBody: !body.IsEmpty && !SuppressBody, last, flushEmpty: true);
        }

        WriteHead(default, last: false);
        return WriteBodyAsync(body, last, flushEmpty: true);
    }

    ValueTask IResponseWire.WriteBodyAsync(ReadOnlyMemory<byte> body, bool last)
    {
        if (last && _cycle.IsShort)
        {
            _keepAlive = false;
        }

        return WriteBodyAsync(body, last, flushEmpty: false);
    }

    ValueTask IResponseWire.WriteFileAsync(SafeFileHandle file, long length, string path) => WriteFileResponseAsync(file, length, path);

    ValueTask IResponseWire.WriteInformationalAsync(int status, IReadOnlyList<AsgiHeader> headers) => WriteInformationalAsync(status, headers);

    /// <summary>HEAD, 1xx, 204 and 304 responses never carry body bytes (RFC 9110 §6.4.1).</summary>
    private bool SuppressBody => _framing == ResponseFraming.None;

    /// <summary>
    /// HTTP/1.1 framing of the body the cycle decided on: a known length is sent as content-length; an unknown one
    /// streams chunked on HTTP/1.1 and close-delimited on HTTP/1.0 (RFC 9112 §6.3).
    /// </summary>
    private void ChooseFraming()
    {
        switch (_cycle.BodyKind)
        {
            case ResponseBodyKind.None:
                _framing = ResponseFraming.None;
                if (_cycle.Status < 200)
                {
                    // A 1xx is not a final response: the client still waits for one. Close so it stops waiting.
                    _keepAlive = false;
                }

                break;
            case ResponseBodyKind.Streamed when !_head.IsHttp10:
                _framing = ResponseFraming.Chunked;
                break;
            case ResponseBodyKind.Streamed:
                _framing = ResponseFraming.CloseDelimited;
                _keepAlive = false;
                break;
            default:
                _framing = ResponseFraming.ContentLength;
                break;
        }

        // A body shorter than its content-length: the client would wait for the rest.
        // RFC 9110 §10.1.1: the client may never send a body it was not invited to send; closing keeps us in sync.
        // And when the unread rest of the request body is too large to drain (DrainBodyAsync), say so now.
        if (_cycle.IsShort || _cycle.HeaderInfo.ConnectionClose || _closeRequested || (_head.Expect100Continue && !_sent100 && !_bodyComplete)
            || (_head.Framing == BodyFraming.ContentLength && _bodyRemaining > MaxDrainBytes))
        {
            _keepAlive = false;
        }
    }
}
