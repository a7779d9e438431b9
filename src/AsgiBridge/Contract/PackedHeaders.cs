using System.Buffers.Binary;

namespace AsgiBridge;

/// <summary>
/// Request headers packed into the scope's one byte array: the head's bytes, then an index of
/// (name start, name length, value start, value length) per field as little-endian int32, then the field count.
/// A scope keeps the array and builds its <see cref="AsgiHeader"/> list on first use, so an application that
/// never reads <c>headers</c> costs one allocation less per request.
/// </summary>
internal static class PackedHeaders
{
    private const int EntrySize = 16;

    /// <summary>Bytes needed after the head's bytes for <paramref name="count"/> fields.</summary>
    public static int IndexSize(int count) => (count * EntrySize) + sizeof(int);

    /// <summary>Writes entry <paramref name="i"/> of an index whose bytes start at <paramref name="indexStart"/>.</summary>
    public static void WriteEntry(Span<byte> data, int indexStart, int i, int nameStart, int nameLength, int valueStart, int valueLength)
    {
        var entry = data.Slice(indexStart + (i * EntrySize), EntrySize);
        BinaryPrimitives.WriteInt32LittleEndian(entry, nameStart);
        BinaryPrimitives.WriteInt32LittleEndian(entry[4..], nameLength);
        BinaryPrimitives.WriteInt32LittleEndian(entry[8..], valueStart);
        BinaryPrimitives.WriteInt32LittleEndian(entry[12..], valueLength);
    }

    /// <summary>Writes the field count into the last four bytes.</summary>
    public static void WriteCount(Span<byte> data, int count) =>
        BinaryPrimitives.WriteInt32LittleEndian(data[^sizeof(int)..], count);

    /// <summary>How many fields <paramref name="data"/> holds.</summary>
    public static int Count(byte[] data) => BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(data.Length - sizeof(int)));

    /// <summary>Field <paramref name="i"/> of <paramref name="count"/>: its name and value, read in place.</summary>
    public static (ReadOnlyMemory<byte> Name, ReadOnlyMemory<byte> Value) Field(byte[] data, int count, int i)
    {
        var entry = data.AsSpan(data.Length - IndexSize(count) + (i * EntrySize), EntrySize);
        return (data.AsMemory(BinaryPrimitives.ReadInt32LittleEndian(entry), BinaryPrimitives.ReadInt32LittleEndian(entry[4..])),
            data.AsMemory(BinaryPrimitives.ReadInt32LittleEndian(entry[8..]), BinaryPrimitives.ReadInt32LittleEndian(entry[12..])));
    }

    /// <summary>Builds the header list.</summary>
    public static AsgiHeader[] Unpack(byte[] data)
    {
        var count = Count(data);
        if (count == 0)
        {
            return [];
        }

        var headers = new AsgiHeader[count];
        for (var i = 0; i < headers.Length; i++)
        {
            var (name, value) = Field(data, count, i);
            headers[i] = new AsgiHeader(name, value);
        }

        return headers;
    }

    /// <summary>Finds the first field named <paramref name="name"/> without building the list.</summary>
    public static ReadOnlyMemory<byte>? Find(byte[] data, ReadOnlySpan<byte> name)
    {
        var count = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(data.Length - sizeof(int)));
        var indexStart = data.Length - IndexSize(count);
        for (var i = 0; i < count; i++)
        {
            var entry = data.AsSpan(indexStart + (i * EntrySize), EntrySize);
            var nameLength = BinaryPrimitives.ReadInt32LittleEndian(entry[4..]);
            if (nameLength == name.Length && data.AsSpan(BinaryPrimitives.ReadInt32LittleEndian(entry), nameLength).SequenceEqual(name))
            {
                return data.AsMemory(BinaryPrimitives.ReadInt32LittleEndian(entry[8..]), BinaryPrimitives.ReadInt32LittleEndian(entry[12..]));
            }
        }

        return null;
    }
}
