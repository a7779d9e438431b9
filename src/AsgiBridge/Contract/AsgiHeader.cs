using System.Text;

namespace AsgiBridge;

/// <summary>
/// One header field as ASGI represents it: a name and a value as bytes. Request header names arrive
/// lower-cased; values are exactly the bytes received, with surrounding whitespace removed.
/// </summary>
/// <param name="Name">The field name bytes.</param>
/// <param name="Value">The field value bytes.</param>
public readonly record struct AsgiHeader(ReadOnlyMemory<byte> Name, ReadOnlyMemory<byte> Value)
{
    /// <summary>Creates a header from strings, encoding each character as one ISO-8859-1 byte.</summary>
    /// <param name="name">The field name.</param>
    /// <param name="value">The field value.</param>
    public AsgiHeader(string name, string value)
        : this(Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes(value))
    {
    }

    /// <summary>The name decoded as ISO-8859-1.</summary>
    public string NameString => Encoding.Latin1.GetString(Name.Span);

    /// <summary>The value decoded as ISO-8859-1.</summary>
    public string ValueString => Encoding.Latin1.GetString(Value.Span);

    /// <summary>True when the name equals <paramref name="name"/> ignoring ASCII case.</summary>
    /// <param name="name">An ASCII name such as <c>"content-type"u8</c>.</param>
    /// <returns>Whether the names match.</returns>
    public bool NameEquals(ReadOnlySpan<byte> name) => Ascii.EqualsIgnoreCase(Name.Span, name);

    /// <inheritdoc />
    public override string ToString() => $"{NameString}: {ValueString}";
}
