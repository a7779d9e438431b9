using System.Text;
using AsgiBridge.Http1;
using AsgiBridge.Infrastructure;

namespace AsgiBridge.Cycle;

/// <summary>
/// What the server needs to know about the application's response headers, found while validating them on
/// <c>http.response.start</c>: names must be tokens and values free of CR, LF, NUL and other CTLs, so an
/// application can never split a response (CVE-2020-7695 in uvicorn).
/// </summary>
internal struct ResponseHeaderInfo
{
    public long ContentLength;
    public bool HasContentLength;
    public bool HasDate;
    public bool HasServer;
    public bool HasConnection;
    public bool ConnectionClose;

    public static ResponseHeaderInfo Validate(IReadOnlyList<AsgiHeader> headers, string eventType = "http.response.start")
    {
        var info = default(ResponseHeaderInfo);
        if (headers is AsgiHeader[] array)
        {
            // The usual case: a span loop, without interface dispatch per element.
            foreach (ref readonly var header in array.AsSpan())
            {
                Check(ref info, header.Name.Span, header.Value.Span, eventType);
            }
        }
        else
        {
            for (var i = 0; i < headers.Count; i++)
            {
                var header = headers[i];
                Check(ref info, header.Name.Span, header.Value.Span, eventType);
            }
        }

        return info;
    }

    private static void Check(ref ResponseHeaderInfo info, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, string eventType)
    {
        if (!HttpCharacters.IsToken(name))
        {
            ThrowHelper.ThrowProtocol(name.Length > 0 && name[0] == HttpCharacters.Colon
                ? $"'{eventType}' event: key 'headers': pseudo-header '{Encoding.Latin1.GetString(name)}' is not allowed in HTTP/1.1."
                : $"'{eventType}' event: key 'headers': header name '{Encoding.Latin1.GetString(name)}' is not a valid token.");
        }

        if (value.ContainsAny(HttpCharacters.InvalidFieldValue))
        {
            ThrowHelper.ThrowProtocol($"'{eventType}' event: key 'headers': the value of '{Encoding.Latin1.GetString(name)}' contains CR, LF, NUL or another control character.");
        }

        switch (name.Length)
        {
            case 4 when Ascii.EqualsIgnoreCase(name, "date"u8):
                info.HasDate = true;
                break;
            case 6 when Ascii.EqualsIgnoreCase(name, "server"u8):
                info.HasServer = true;
                break;
            case 10 when Ascii.EqualsIgnoreCase(name, "connection"u8):
                info.HasConnection = true;
                info.ConnectionClose |= HttpCharacters.ContainsToken(value, "close"u8);
                break;
            case 14 when Ascii.EqualsIgnoreCase(name, "content-length"u8):
                var trimmed = HttpCharacters.TrimWhitespace(value);
                if (info.HasContentLength || trimmed.IsEmpty || trimmed.Length > 18 || trimmed.ContainsAnyExcept(HttpCharacters.Digit))
                {
                    ThrowHelper.ThrowProtocol($"'{eventType}' event: key 'headers': content-length must be given once, as a non-negative integer.");
                }

                info.HasContentLength = true;
                info.ContentLength = long.Parse(trimmed, provider: System.Globalization.CultureInfo.InvariantCulture);
                break;
        }
    }

    public static bool IsTransferEncoding(ReadOnlySpan<byte> name) =>
        name.Length == 17 && Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8);

    public static bool IsContentLength(ReadOnlySpan<byte> name) =>
        name.Length == 14 && Ascii.EqualsIgnoreCase(name, "content-length"u8);
}
