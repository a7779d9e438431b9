namespace AsgiBridge.Proxy;

/// <summary>
/// What a trusted peer's forwarding headers change in a scope; a default value changes nothing. The spans point
/// into the request's header buffer (or a copy, for an unescaped quoted <c>host=</c>) and live as long as it.
/// </summary>
internal ref struct ForwardedResult
{
    /// <summary>The new <c>client</c>, or null to keep the immediate peer.</summary>
    public AsgiEndpoint? Client { get; set; }

    /// <summary>Whether the client's request was secure (https/wss), or null to keep the connection's scheme.</summary>
    public bool? Secure { get; set; }

    /// <summary>The <c>host</c> value the app sees instead of the request's, or empty to keep it.</summary>
    public ReadOnlySpan<byte> Host { get; set; }

    /// <summary>The path prefix removed by the proxy (<c>/api</c>, no trailing slash), or empty for none.</summary>
    public ReadOnlySpan<byte> Prefix { get; set; }

    public readonly bool ChangesScope => Client is not null || Secure.HasValue || !Host.IsEmpty || !Prefix.IsEmpty;
}
