using AsgiBridge.Http1;

namespace AsgiBridge.Proxy;

/// <summary>
/// Every line of one comma-separated header (<c>X-Forwarded-For</c>, <c>-Proto</c>, <c>-Host</c>) read as a single
/// list: lines joined with commas in order (RFC 9110 §5.3), whitespace around elements removed, empty elements
/// skipped (RFC 9110 §5.6.1). Read from the right, where the nearest proxy writes.
/// </summary>
internal readonly ref struct HeaderList
{
    private readonly HeaderLines _lines;
    private readonly ReadOnlySpan<byte> _name;

    public HeaderList(HeaderLines lines, ReadOnlySpan<byte> name)
    {
        _lines = lines;
        _name = name;
    }

    /// <summary>How many elements the list has.</summary>
    public int Count()
    {
        var count = 0;
        foreach (var _ in this)
        {
            count++;
        }

        return count;
    }

    /// <summary>The element <paramref name="index"/> places from the right (0 is the right-most).</summary>
    public bool TryGetFromRight(int index, out ReadOnlySpan<byte> element)
    {
        foreach (var candidate in this)
        {
            if (index-- == 0)
            {
                element = candidate;
                return true;
            }
        }

        element = default;
        return false;
    }

    /// <summary>Enumerates the elements right to left.</summary>
    public Enumerator GetEnumerator() => new(_lines, _name);

    public ref struct Enumerator
    {
        private readonly HeaderLines _lines;
        private readonly ReadOnlySpan<byte> _name;
        private int _line;
        private ReadOnlySpan<byte> _rest;
        private bool _inLine;

        internal Enumerator(HeaderLines lines, ReadOnlySpan<byte> name)
        {
            _lines = lines;
            _name = name;
            _line = lines.Count;
        }

        public ReadOnlySpan<byte> Current { get; private set; }

        public bool MoveNext()
        {
            while (true)
            {
                if (!_inLine)
                {
                    do
                    {
                        if (--_line < 0)
                        {
                            return false;
                        }
                    }
                    while (!_lines.IsNamed(_line, _name));

                    _rest = _lines.Value(_line);
                    _inLine = true;
                }

                var comma = _rest.LastIndexOf((byte)',');
                var element = HttpCharacters.TrimWhitespace(_rest[(comma + 1)..]);
                if (comma < 0)
                {
                    _inLine = false;
                }
                else
                {
                    _rest = _rest[..comma];
                }

                if (!element.IsEmpty)
                {
                    Current = element;
                    return true;
                }
            }
        }
    }
}
