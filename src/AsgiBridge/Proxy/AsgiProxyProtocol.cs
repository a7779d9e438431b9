namespace AsgiBridge;

/// <summary>Which PROXY protocol header (HAProxy's specification) a connection starts with.</summary>
public enum AsgiProxyProtocol
{
    /// <summary>None: the first bytes are HTTP.</summary>
    Off,

    /// <summary>The text header (<c>PROXY TCP4 ...\r\n</c>).</summary>
    V1,

    /// <summary>The binary header (12-byte signature).</summary>
    V2,

    /// <summary>Either version, decided by the first bytes; a connection without one is closed.</summary>
    Auto,
}
