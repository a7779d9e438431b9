namespace AsgiBridge.Proxy;

/// <summary>
/// One <c>forwarded-element</c> of a <c>Forwarded</c> header (RFC 7239 §4): the parameters the rules use. An
/// element that repeats a parameter is <see cref="Invalid"/> (§4: each parameter at most once per element).
/// </summary>
internal struct ForwardedElement
{
    public bool Invalid { get; set; }

    /// <summary><c>for=</c>: the node that made the request to this hop.</summary>
    public ForwardedValue For { get; set; }

    /// <summary><c>proto=</c>: the scheme of that request.</summary>
    public ForwardedValue Proto { get; set; }

    /// <summary><c>host=</c>: the Host of that request.</summary>
    public ForwardedValue Host { get; set; }
}
