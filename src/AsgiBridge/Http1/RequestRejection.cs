namespace AsgiBridge.Http1;

/// <summary>
/// Every reason a request is refused before it reaches the application. <see cref="RequestRejections"/> maps each
/// to its status code and message in one place (the policy of docs/http1.md).
/// </summary>
internal enum RequestRejection
{
    InvalidRequestLine,
    InvalidMethod,
    InvalidRequestTarget,
    UserInfoInTarget,
    AsteriskFormNotOptions,
    AuthorityFormNotSupported,
    ConnectNotSupported,
    UnsupportedHttpVersion,
    InvalidHttpVersion,
    RequestLineTooLong,
    BareLineFeed,
    BareCarriageReturn,
    ObsoleteLineFolding,
    InvalidHeaderName,
    InvalidHeaderValue,
    HeadersTooLarge,
    TooManyHeaders,
    MissingHost,
    MultipleHost,
    InvalidHost,
    InvalidContentLength,
    MultipleContentLength,
    ContentLengthTooLarge,
    ContentLengthAndTransferEncoding,
    TransferEncodingInHttp10,
    UnsupportedTransferCoding,
    ChunkedAppliedTwice,
    InvalidTransferEncoding,
    InvalidChunkSize,
    InvalidChunkExtension,
    MissingChunkTerminator,
    ChunkLineTooLong,
    BodyTooLarge,
    IncompleteRequest,
    RequestHeadersTimeout,
    RequestBodyTimeout,
    RequestBodyTooSlow,
}
