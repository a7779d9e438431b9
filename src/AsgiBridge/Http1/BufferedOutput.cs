using System.Buffers.Text;
using System.IO.Pipelines;

namespace AsgiBridge.Http1;

/// <summary>
/// Gathers many small writes (a response head is a dozen pieces) into one span of the output pipe and advances
/// it once. On a <see cref="Pipe"/> every <see cref="PipeWriter.Advance"/> takes the pipe's lock, so writing a head
/// piece by piece cost seven lock round trips per response (the profile is in bench/Micro/README.md). The producer
/// may also park what was written without advancing (<see cref="TryPark"/>) and go on in the same span with the next
/// response, so pipelined responses share one advance (<see cref="Http1OutputProducer"/>.OpenOutput).
/// </summary>
internal ref struct BufferedOutput
{
    private readonly PipeWriter _output;
    private Span<byte> _span;
    private int _buffered;
    private bool _switched;

    /// <param name="output">The pipe to write to.</param>
    /// <param name="span">Memory the pipe gave out and nothing has advanced past yet.</param>
    /// <param name="buffered">How much of <paramref name="span"/> is already written (parked, not advanced).</param>
    public BufferedOutput(PipeWriter output, Span<byte> span, int buffered)
    {
        _output = output;
        _span = span;
        _buffered = buffered;
        _switched = false;
    }

    public void Write(scoped ReadOnlySpan<byte> bytes)
    {
        var free = _span[_buffered..];
        if (bytes.Length <= free.Length)
        {
            bytes.CopyTo(free);
            _buffered += bytes.Length;
            return;
        }

        WriteSlow(bytes);
    }

    /// <summary>Writes <c>name: value\r\n</c>.</summary>
    public void WriteHeaderLine(scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value)
    {
        var length = name.Length + value.Length + 4;
        if (length > _span.Length - _buffered)
        {
            Write(name);
            Write(": "u8);
            Write(value);
            Write("\r\n"u8);
            return;
        }

        var span = _span[_buffered..];
        name.CopyTo(span);
        span[name.Length] = HttpCharacters.Colon;
        span[name.Length + 1] = HttpCharacters.SP;
        value.CopyTo(span[(name.Length + 2)..]);
        span[length - 2] = HttpCharacters.CR;
        span[length - 1] = HttpCharacters.LF;
        _buffered += length;
    }

    /// <summary>Writes <c>content-length: N\r\n</c>.</summary>
    public void WriteContentLength(long length)
    {
        Ensure(40);
        var span = _span[_buffered..];
        "content-length: "u8.CopyTo(span);
        Utf8Formatter.TryFormat(length, span[16..], out var written);
        span[16 + written] = HttpCharacters.CR;
        span[17 + written] = HttpCharacters.LF;
        _buffered += 18 + written;
    }

    /// <summary>Writes a chunk-size line: the length in hex and CRLF.</summary>
    public void WriteChunkHeader(int length)
    {
        Ensure(12);
        var span = _span[_buffered..];

        // Lowercase hex digits, most significant first (int.TryFormat with "x" takes its slow, culture-aware path).
        var value = (uint)length;
        var written = Math.Max(1, (32 - System.Numerics.BitOperations.LeadingZeroCount(value) + 3) / 4);
        for (var i = written - 1; i >= 0; i--, value >>= 4)
        {
            span[i] = "0123456789abcdef"u8[(int)(value & 0xF)];
        }

        span[written] = HttpCharacters.CR;
        span[written + 1] = HttpCharacters.LF;
        _buffered += written + 2;
    }

    /// <summary>Writes an ASCII string (server-made text: status messages).</summary>
    public void WriteAscii(string text)
    {
        Ensure(text.Length);
        _buffered += System.Text.Encoding.ASCII.GetBytes(text, _span[_buffered..]);
    }

    /// <summary>
    /// Ends without advancing when everything is still in the first span: <paramref name="buffered"/> is then how
    /// much of it is written, for the next writer to continue. Otherwise commits and returns false.
    /// </summary>
    public bool TryPark(out int buffered)
    {
        if (!_switched)
        {
            buffered = _buffered;
            _span = default;
            return true;
        }

        Commit();
        buffered = 0;
        return false;
    }

    /// <summary>Advances the pipe past everything written (once). The struct must not be used afterwards.</summary>
    public void Commit()
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
            _buffered = 0;
        }

        _span = default;
    }

    private void Ensure(int size)
    {
        if (_span.Length - _buffered < size)
        {
            Commit();
            _span = _output.GetSpan(size);
            _switched = true;
        }
    }

    private void WriteSlow(scoped ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_span.Length == _buffered)
            {
                Commit();
                _span = _output.GetSpan(Math.Min(bytes.Length, 4096));
                _switched = true;
            }

            var take = Math.Min(bytes.Length, _span.Length - _buffered);
            bytes[..take].CopyTo(_span[_buffered..]);
            _buffered += take;
            bytes = bytes[take..];
        }
    }
}
