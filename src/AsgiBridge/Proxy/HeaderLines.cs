using System.Runtime.InteropServices;
using AsgiBridge.Http1;

namespace AsgiBridge.Proxy;

/// <summary>
/// A request's header lines as the parser leaves them: names lower-cased, values without surrounding whitespace,
/// all in one buffer. What the forwarding rules read; nothing is copied.
/// </summary>
internal readonly ref struct HeaderLines
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly ReadOnlySpan<RequestHead.Field> _fields;

    public HeaderLines(ReadOnlySpan<byte> data, ReadOnlySpan<RequestHead.Field> fields)
    {
        _data = data;
        _fields = fields;
    }

    /// <summary>The lines of a parsed head.</summary>
    public HeaderLines(RequestHead head)
        : this(head.Arena.Span, CollectionsMarshal.AsSpan(head.Fields))
    {
    }

    /// <summary>The buffer the names and values are in.</summary>
    public ReadOnlySpan<byte> Data => _data;

    public int Count => _fields.Length;

    /// <summary>Whether line <paramref name="i"/> is named <paramref name="name"/> (lower case): the exact name, so <c>x_forwarded_for</c> is not <c>x-forwarded-for</c>.</summary>
    public bool IsNamed(int i, ReadOnlySpan<byte> name)
    {
        var field = _fields[i];
        return field.NameLength == name.Length && _data.Slice(field.NameStart, name.Length).SequenceEqual(name);
    }

    public ReadOnlySpan<byte> Name(int i) => _data.Slice(_fields[i].NameStart, _fields[i].NameLength);

    public ReadOnlySpan<byte> Value(int i) => _data.Slice(_fields[i].ValueStart, _fields[i].ValueLength);

    /// <summary>Where line <paramref name="i"/>'s value starts in <see cref="Data"/>.</summary>
    public int ValueStart(int i) => _fields[i].ValueStart;
}
