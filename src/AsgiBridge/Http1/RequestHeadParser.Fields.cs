using System.Text;
using AsgiBridge.Infrastructure;

namespace AsgiBridge.Http1;

internal static partial class RequestHeadParser
{
    private const int MaxContentLengthDigits = 18;

    private static void AddField(RequestHead head, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var nameStart = head.Arena.AppendLowerCase(name);
        var valueStart = head.Arena.Append(value);
        var lowerName = head.Arena.Span.Slice(nameStart, name.Length);
        head.Fields.Add(new RequestHead.Field(nameStart, name.Length, valueStart, value.Length));

        switch (lowerName.Length)
        {
            case 2 when lowerName.SequenceEqual("te"u8):
                head.AcceptsTrailers |= HttpCharacters.ContainsToken(value, "trailers"u8);
                break;
            case 4 when lowerName.SequenceEqual("host"u8):
                head.HostCount++;
                head.HostFieldIndex = head.Fields.Count - 1;
                break;
            case 6 when lowerName.SequenceEqual("expect"u8):
                head.Expect100Continue |= Ascii.EqualsIgnoreCase(value, "100-continue"u8);
                break;
            case 7 when lowerName.SequenceEqual("upgrade"u8):
                head.UpgradeWebSocket |= HttpCharacters.ContainsToken(value, "websocket"u8);
                break;
            case 10 when lowerName.SequenceEqual("connection"u8):
                head.ConnectionClose |= HttpCharacters.ContainsToken(value, "close"u8);
                head.ConnectionKeepAlive |= HttpCharacters.ContainsToken(value, "keep-alive"u8);
                head.ConnectionUpgrade |= HttpCharacters.ContainsToken(value, "upgrade"u8);
                break;
            case 14 when lowerName.SequenceEqual("content-length"u8):
                head.ContentLengthCount++;
                head.ContentLength = ParseContentLength(value);
                break;
            case 17 when lowerName.SequenceEqual("transfer-encoding"u8):
                head.HasTransferEncoding = true;
                AddTransferCodings(value, head);
                break;
        }
    }

    /// <summary>Content-Length = 1*DIGIT (RFC 9110 §8.6): no sign, no list, no whitespace inside, and bounded.</summary>
    private static long ParseContentLength(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty || value.ContainsAnyExcept(HttpCharacters.Digit) || value.Length > MaxContentLengthDigits)
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.InvalidContentLength);
        }

        long length = 0;
        foreach (var digit in value)
        {
            length = (length * 10) + (digit - '0');
        }

        return length;
    }

    /// <summary>
    /// Transfer-Encoding = #transfer-coding (RFC 9112 §6.1), possibly over several fields. We record whether
    /// chunked is last, applied more than once, or mixed with a coding we cannot decode.
    /// </summary>
    private static void AddTransferCodings(ReadOnlySpan<byte> value, RequestHead head)
    {
        var sawElement = false;
        foreach (var range in value.Split((byte)','))
        {
            var element = HttpCharacters.TrimWhitespace(value[range]);
            if (element.IsEmpty)
            {
                continue;
            }

            sawElement = true;
            var semicolon = element.IndexOf((byte)';');
            var coding = HttpCharacters.TrimWhitespace(semicolon < 0 ? element : element[..semicolon]);
            if (!HttpCharacters.IsToken(coding))
            {
                head.InvalidCoding = true;
                continue;
            }

            if (Ascii.EqualsIgnoreCase(coding, "chunked"u8))
            {
                // chunked takes no parameters.
                head.InvalidCoding |= semicolon >= 0;
                head.ChunkedCount++;
                head.LastCodingChunked = true;
            }
            else
            {
                head.OtherCoding = true;
                head.LastCodingChunked = false;
            }
        }

        head.InvalidCoding |= !sawElement;
    }

    /// <summary>Whole-head rules: Host (RFC 9112 §3.2) and message framing (RFC 9112 §6.3).</summary>
    private static void CompleteHead(RequestHead head, in Http1Limits limits)
    {
        if (head.HostCount > 1)
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.MultipleHost);
        }

        if (head.HostCount == 0 && !head.IsHttp10)
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.MissingHost);
        }

        if (head.HostCount == 1)
        {
            var field = head.Fields[head.HostFieldIndex];
            if (!HostValidator.IsValid(head.Arena.Span.Slice(field.ValueStart, field.ValueLength)))
            {
                ThrowHelper.ThrowBadRequest(RequestRejection.InvalidHost);
            }
        }

        if (head.ContentLengthCount > 1)
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.MultipleContentLength);
        }

        if (head.HasTransferEncoding)
        {
            // RFC 9112 §6.1 allows a server to reject CL + TE; behind a proxy that is the only safe answer.
            if (head.ContentLengthCount > 0)
            {
                ThrowHelper.ThrowBadRequest(RequestRejection.ContentLengthAndTransferEncoding);
            }

            if (head.IsHttp10)
            {
                ThrowHelper.ThrowBadRequest(RequestRejection.TransferEncodingInHttp10);
            }

            if (head.InvalidCoding || head.ChunkedCount > 1)
            {
                ThrowHelper.ThrowBadRequest(head.ChunkedCount > 1 ? RequestRejection.ChunkedAppliedTwice : RequestRejection.InvalidTransferEncoding);
            }

            if (head.OtherCoding || !head.LastCodingChunked)
            {
                ThrowHelper.ThrowBadRequest(RequestRejection.UnsupportedTransferCoding);
            }

            head.Framing = BodyFraming.Chunked;
            return;
        }

        if (head.ContentLengthCount == 1)
        {
            if (head.ContentLength > limits.MaxRequestBodySize)
            {
                ThrowHelper.ThrowBadRequest(RequestRejection.ContentLengthTooLarge);
            }

            head.Framing = head.ContentLength == 0 ? BodyFraming.None : BodyFraming.ContentLength;
        }
    }
}
