using AsgiBridge.Cycle;

namespace AsgiBridge.Http1;

/// <summary>The one table of rejection statuses and messages (the policy is docs/http1.md).</summary>
internal static class RequestRejections
{
    private static readonly (int Status, string Message)[] s_table = Build();
    private static bool s_400AsUvicorn;

    public static int Status(RequestRejection reason) => s_table[(int)reason].Status;

    public static string Message(RequestRejection reason) => s_table[(int)reason].Message;

    /// <summary>What the client is sent: the status and the reason as a line, or uvicorn's 400 (<see cref="AnswerAsUvicornDoes"/>).</summary>
    public static ServerAnswer Answer(RequestRejection reason) =>
        s_400AsUvicorn && Status(reason) == 400 ? ServerAnswer.InvalidHttpRequest : ServerAnswer.Text(Status(reason), Message(reason));

    /// <summary>
    /// From now on a 400 is sent as uvicorn sends it for whatever its parser rejects (the host serving a Python app, so
    /// both servers answer a malformed request byte for byte alike); the reason is still logged. Process-wide.
    /// </summary>
    public static void AnswerAsUvicornDoes() => s_400AsUvicorn = true;

    private static (int, string)[] Build()
    {
        var table = new (int, string)[Enum.GetValues<RequestRejection>().Length];
        void Set(RequestRejection reason, int status, string message) => table[(int)reason] = (status, message);

        Set(RequestRejection.InvalidRequestLine, 400, "Invalid request line.");
        Set(RequestRejection.InvalidMethod, 400, "Invalid request method.");
        Set(RequestRejection.InvalidRequestTarget, 400, "Invalid request target.");
        Set(RequestRejection.UserInfoInTarget, 400, "User information is not allowed in the request target.");
        Set(RequestRejection.AsteriskFormNotOptions, 405, "The asterisk-form target is only allowed with OPTIONS.");
        Set(RequestRejection.AuthorityFormNotSupported, 405, "The authority-form target is only allowed with CONNECT, which is not supported.");
        Set(RequestRejection.ConnectNotSupported, 405, "CONNECT is not supported.");
        Set(RequestRejection.UnsupportedHttpVersion, 505, "HTTP version not supported.");
        Set(RequestRejection.InvalidHttpVersion, 400, "Invalid HTTP version.");
        Set(RequestRejection.RequestLineTooLong, 414, "Request line too long.");
        Set(RequestRejection.BareLineFeed, 400, "Bare LF: lines must end with CRLF.");
        Set(RequestRejection.BareCarriageReturn, 400, "Bare CR in the request.");
        Set(RequestRejection.ObsoleteLineFolding, 400, "Obsolete line folding is not allowed.");
        Set(RequestRejection.InvalidHeaderName, 400, "Invalid header field name.");
        Set(RequestRejection.InvalidHeaderValue, 400, "Invalid character in a header field value.");
        Set(RequestRejection.HeadersTooLarge, 431, "Request header fields too large.");
        Set(RequestRejection.TooManyHeaders, 431, "Too many request header fields.");
        Set(RequestRejection.MissingHost, 400, "HTTP/1.1 requests must have a Host header.");
        Set(RequestRejection.MultipleHost, 400, "Multiple Host headers.");
        Set(RequestRejection.InvalidHost, 400, "Invalid Host header.");
        Set(RequestRejection.InvalidContentLength, 400, "Invalid Content-Length.");
        Set(RequestRejection.MultipleContentLength, 400, "Multiple Content-Length values.");
        Set(RequestRejection.ContentLengthTooLarge, 413, "Request body too large.");
        Set(RequestRejection.ContentLengthAndTransferEncoding, 400, "Both Content-Length and Transfer-Encoding.");
        Set(RequestRejection.TransferEncodingInHttp10, 400, "Transfer-Encoding is not allowed in HTTP/1.0.");
        Set(RequestRejection.UnsupportedTransferCoding, 501, "Unsupported Transfer-Encoding: only chunked is implemented.");
        Set(RequestRejection.ChunkedAppliedTwice, 400, "Transfer-Encoding applies chunked more than once.");
        Set(RequestRejection.InvalidTransferEncoding, 400, "Invalid Transfer-Encoding.");
        Set(RequestRejection.InvalidChunkSize, 400, "Invalid chunk size.");
        Set(RequestRejection.InvalidChunkExtension, 400, "Invalid chunk extension.");
        Set(RequestRejection.MissingChunkTerminator, 400, "Chunk data not followed by CRLF.");
        Set(RequestRejection.ChunkLineTooLong, 400, "Chunk size line too long.");
        Set(RequestRejection.BodyTooLarge, 413, "Request body too large.");
        Set(RequestRejection.IncompleteRequest, 400, "Incomplete request.");
        Set(RequestRejection.RequestHeadersTimeout, 408, "Request header timeout.");
        Set(RequestRejection.RequestBodyTimeout, 408, "Request body timeout.");
        Set(RequestRejection.RequestBodyTooSlow, 408, "Request body arrived below the minimum data rate (Asgi:MinRequestBodyDataRate).");
        return table;
    }
}

/// <summary>Raised by the parsers on bad input; caught by the connection, which answers and closes.</summary>
internal sealed class BadRequestException : Exception
{
    public BadRequestException(RequestRejection reason) : base(RequestRejections.Message(reason)) => Reason = reason;

    public BadRequestException() : this(RequestRejection.InvalidRequestLine)
    {
    }

    public BadRequestException(string message) : base(message)
    {
    }

    public BadRequestException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public RequestRejection Reason { get; }

    public int StatusCode => RequestRejections.Status(Reason);
}
