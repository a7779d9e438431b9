using System.Text;

namespace AsgiBridge.Http1;

/// <summary>
/// Cached <c>HTTP/1.1 NNN Reason\r\n</c> lines. Every response says HTTP/1.1 whatever the request's minor
/// version (RFC 9110 §2.5: a server sends its own highest conformant version). The reason phrases are RFC 9110's and
/// the IANA registry's, or those a host sets once before serving (<see cref="UseReasonPhrases"/>).
/// </summary>
internal static class StatusLines
{
    private static byte[]?[] s_lines = new byte[]?[1000];
    private static IReadOnlyDictionary<int, string>? s_phrases;

    public static ReadOnlySpan<byte> Get(int status)
    {
        var lines = s_lines;
        var line = lines[status];
        if (line is null)
        {
            line = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {ReasonPhrase(status)}\r\n");
            lines[status] = line;
        }

        return line;
    }

    /// <summary>
    /// Names each status as <paramref name="phrases"/> does, and a status it does not name with no phrase (RFC 9112
    /// §4 allows an empty reason-phrase; clients ignore it). The Python host sets its interpreter's names, which are
    /// the ones uvicorn writes. Set once, before serving.
    /// </summary>
    public static void UseReasonPhrases(IReadOnlyDictionary<int, string> phrases)
    {
        s_phrases = phrases;
        s_lines = new byte[]?[1000];
    }

    public static string ReasonPhrase(int status) => s_phrases is { } phrases ? phrases.GetValueOrDefault(status, "") : DefaultReasonPhrase(status);

    private static string DefaultReasonPhrase(int status) => status switch
    {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported", // RFC 5842
        226 => "IM Used", // RFC 3229
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy", // deprecated (RFC 9110 §15.4.6)
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        423 => "Locked", // RFC 4918
        424 => "Failed Dependency", // RFC 4918
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates", // RFC 2295
        507 => "Insufficient Storage", // RFC 4918
        508 => "Loop Detected", // RFC 5842
        510 => "Not Extended", // RFC 2774
        511 => "Network Authentication Required", // RFC 6585
        _ => "",
    };
}
