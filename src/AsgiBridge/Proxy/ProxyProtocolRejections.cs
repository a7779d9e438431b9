namespace AsgiBridge.Proxy;

/// <summary>The one table of PROXY protocol rejection messages, for the debug log line.</summary>
internal static class ProxyProtocolRejections
{
    public static string Message(ProxyProtocolRejection reason) => reason switch
    {
        ProxyProtocolRejection.None => "accepted",
        ProxyProtocolRejection.UntrustedPeer => "the peer is not in Asgi:ForwardedAllowIps",
        ProxyProtocolRejection.TimedOut => "the header was not complete within Asgi:TimeoutRequestHeaders",
        ProxyProtocolRejection.Truncated => "the peer stopped sending before the header was complete",
        ProxyProtocolRejection.Abandoned => "closed before a header byte arrived",
        ProxyProtocolRejection.NotProxyProtocol => "the connection does not start with a PROXY protocol header of the configured version",
        ProxyProtocolRejection.V1TooLong => "v1: no CRLF within 107 bytes",
        ProxyProtocolRejection.V1BareLineFeed => "v1: the line ends in a bare LF",
        ProxyProtocolRejection.V1UnknownProtocol => "v1: the protocol is not TCP4, TCP6 or UNKNOWN",
        ProxyProtocolRejection.V1InvalidFields => "v1: not four fields separated by single spaces",
        ProxyProtocolRejection.V1InvalidAddress => "v1: an address is not a canonical address of the declared family",
        ProxyProtocolRejection.V1InvalidPort => "v1: a port is not 0-65535 in decimal without a leading zero",
        ProxyProtocolRejection.V2InvalidVersion => "v2: the version is not 2",
        ProxyProtocolRejection.V2InvalidCommand => "v2: the command is neither LOCAL nor PROXY",
        ProxyProtocolRejection.V2InvalidFamily => "v2: unknown address family or transport",
        ProxyProtocolRejection.V2TooLong => "v2: more than 536 bytes of addresses and TLVs",
        ProxyProtocolRejection.V2AddressesTruncated => "v2: the length is shorter than the addresses of the declared family",
        ProxyProtocolRejection.V2InvalidTlv => "v2: a TLV runs past the end of the header",
        _ => reason.ToString(),
    };
}
