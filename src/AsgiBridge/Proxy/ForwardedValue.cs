namespace AsgiBridge.Proxy;

/// <summary>
/// Where a parameter value of a <c>Forwarded</c> element lies in the header buffer: a token, or the inside of a
/// quoted-string (<see cref="Escaped"/> when it holds quoted-pairs to undo). <see cref="Present"/> is false when
/// the element has no such parameter.
/// </summary>
internal readonly record struct ForwardedValue(int Start, int Length, bool Escaped, bool Present);
