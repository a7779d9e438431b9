using System.Buffers;

namespace AsgiBridge.Http1;

/// <summary>
/// A per-connection scratch buffer, rented from the array pool, into which the parser copies the request target
/// and header fields as their lines complete. When the head is complete, the scope builder makes the one
/// exact-size copy the application receives (its memory must outlive the connection's buffers).
/// </summary>
internal sealed class ByteArena : IDisposable
{
    private byte[] _buffer = [];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    public int Append(ReadOnlySpan<byte> bytes)
    {
        var start = Reserve(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(start));
        return start;
    }

    public int AppendLowerCase(ReadOnlySpan<byte> bytes)
    {
        var start = Reserve(bytes.Length);
        System.Text.Ascii.ToLower(bytes, _buffer.AsSpan(start, bytes.Length), out _);
        return start;
    }

    public void Reset() => Length = 0;

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        Length = 0;
    }

    private int Reserve(int count)
    {
        var start = Length;
        if (start + count > _buffer.Length)
        {
            var next = ArrayPool<byte>.Shared.Rent(Math.Max(start + count, Math.Max(256, _buffer.Length * 2)));
            _buffer.AsSpan(0, start).CopyTo(next);
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = next;
        }

        Length = start + count;
        return start;
    }
}
