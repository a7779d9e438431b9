namespace AsgiBridge.Proxy;

/// <summary>
/// Why a connection was closed before its PROXY protocol header was accepted; the messages are in
/// <see cref="ProxyProtocolRejections"/>. The header checks follow HAProxy's PROXY protocol specification.
/// </summary>
internal enum ProxyProtocolRejection : byte
{
    /// <summary>Accepted: no rejection.</summary>
    None,

    /// <summary>The connection's own peer is not in <c>Asgi:ForwardedAllowIps</c>.</summary>
    UntrustedPeer,

    /// <summary>The header was not complete within <c>Asgi:TimeoutRequestHeaders</c>.</summary>
    TimedOut,

    /// <summary>The peer stopped sending before the header was complete.</summary>
    Truncated,

    /// <summary>Nothing to judge: the peer closed before sending a byte, or the server is shutting down. Not counted.</summary>
    Abandoned,

    /// <summary>The first bytes are neither <c>PROXY </c> (v1) nor the v2 signature allowed on this endpoint.</summary>
    NotProxyProtocol,

    /// <summary>v1: no CRLF within 107 bytes.</summary>
    V1TooLong,

    /// <summary>v1: the line ends in a bare LF.</summary>
    V1BareLineFeed,

    /// <summary>v1: the protocol is not <c>TCP4</c>, <c>TCP6</c> or <c>UNKNOWN</c>.</summary>
    V1UnknownProtocol,

    /// <summary>v1: not exactly four fields separated by single spaces.</summary>
    V1InvalidFields,

    /// <summary>v1: an address is not a canonical address of the declared family.</summary>
    V1InvalidAddress,

    /// <summary>v1: a port is not a decimal 0–65535 without a leading zero.</summary>
    V1InvalidPort,

    /// <summary>v2: the version nibble is not 2.</summary>
    V2InvalidVersion,

    /// <summary>v2: the command is neither LOCAL nor PROXY.</summary>
    V2InvalidCommand,

    /// <summary>v2: an address family or transport outside the specification.</summary>
    V2InvalidFamily,

    /// <summary>v2: more than 536 bytes of addresses and TLVs.</summary>
    V2TooLong,

    /// <summary>v2: the length is shorter than the declared family's addresses.</summary>
    V2AddressesTruncated,

    /// <summary>v2: a TLV runs past the end of the header.</summary>
    V2InvalidTlv,
}
