using System.Buffers;
using System.Text;
using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>How the bytes not yet consumed are laid out in memory when the parser is called.</summary>
internal enum SequenceLayout
{
    /// <summary>One array: the single-segment fast path of <see cref="LineReader"/>.</summary>
    Contiguous,

    /// <summary>Every received piece stays its own linked segment, as pipe buffers do: the multi-segment path.</summary>
    SegmentPerPiece,
}

/// <summary>Limits and budgets for driving <see cref="ChunkedDecoder"/>, with the connection's defaults.</summary>
internal sealed record ChunkedSettings(
    int MaxData = int.MaxValue,
    int HeaderBudget = 32768,
    int FieldBudget = 100,
    long? MaxBodySize = 30_000_000);

/// <summary>
/// Drives the parsers the way <c>Http1Connection</c> does: bytes arrive in deliveries; after each delivery the parser
/// sees every byte not yet consumed, the consumed ones are dropped, and the call is repeated after the next delivery.
/// A delivery is one or more segments (a multi-segment delivery models a read that returns several pipe buffers).
/// </summary>
internal static class ParserHarness
{
    public static readonly Http1Limits DefaultLimits = new(8192, 32768, 100, 30_000_000);

    public static byte[] Bytes(string latin1) => Encoding.Latin1.GetBytes(latin1);

    // ---- Request heads -------------------------------------------------------------------------------------------

    public static HeadOutcome ParseHead(string latin1, Http1Limits? limits = null) => ParseHead(Bytes(latin1), limits);

    /// <summary>The whole input in one contiguous buffer, one call.</summary>
    public static HeadOutcome ParseHead(byte[] input, Http1Limits? limits = null) =>
        RunHead([[input]], SequenceLayout.Contiguous, limits);

    /// <summary>The input arrives in fragments of the given sizes (the last one takes any rest).</summary>
    public static HeadOutcome ParseHeadInFragments(byte[] input, IReadOnlyList<int> sizes, SequenceLayout layout, Http1Limits? limits = null) =>
        RunHead(Fragments(input, sizes), layout, limits);

    public static HeadOutcome ParseHeadOneByteAtATime(byte[] input, SequenceLayout layout, Http1Limits? limits = null) =>
        RunHead(OneByteDeliveries(input), layout, limits);

    /// <summary>The whole input in one call, but as a sequence of linked segments of the given sizes.</summary>
    public static HeadOutcome ParseHeadSegmented(byte[] input, IReadOnlyList<int> segmentSizes, Http1Limits? limits = null) =>
        RunHead([Cut(input, segmentSizes)], SequenceLayout.SegmentPerPiece, limits);

    public static HeadOutcome RunHead(IEnumerable<byte[][]> deliveries, SequenceLayout layout, Http1Limits? limits = null)
    {
        var effective = limits ?? DefaultLimits;
        using var head = new RequestHead();
        var buffer = new Unconsumed(layout);
        long consumed = 0;
        foreach (var delivery in deliveries)
        {
            buffer.Append(delivery);
            var reader = new SequenceReader<byte>(buffer.ToSequence());
            bool complete;
            try
            {
                complete = RequestHeadParser.TryParse(ref reader, head, effective);
            }
            catch (BadRequestException ex)
            {
                return new RejectedHead(ex.Reason, ex.StatusCode);
            }

            consumed += reader.Consumed;
            buffer.Drop(reader.Consumed);
            if (complete)
            {
                return CompleteHead.From(head, consumed);
            }
        }

        return new IncompleteHead(consumed);
    }

    // ---- Chunked bodies ------------------------------------------------------------------------------------------

    public static ChunkedOutcome DecodeChunked(string latin1, ChunkedSettings? settings = null) => DecodeChunked(Bytes(latin1), settings);

    public static ChunkedOutcome DecodeChunked(byte[] input, ChunkedSettings? settings = null) =>
        RunChunked([[input]], SequenceLayout.Contiguous, settings);

    public static ChunkedOutcome DecodeChunkedInFragments(byte[] input, IReadOnlyList<int> sizes, SequenceLayout layout, ChunkedSettings? settings = null) =>
        RunChunked(Fragments(input, sizes), layout, settings);

    public static ChunkedOutcome DecodeChunkedOneByteAtATime(byte[] input, SequenceLayout layout, ChunkedSettings? settings = null) =>
        RunChunked(OneByteDeliveries(input), layout, settings);

    public static ChunkedOutcome DecodeChunkedSegmented(byte[] input, IReadOnlyList<int> segmentSizes, ChunkedSettings? settings = null) =>
        RunChunked([Cut(input, segmentSizes)], SequenceLayout.SegmentPerPiece, settings);

    /// <summary>
    /// Calls <see cref="ChunkedDecoder.Decode"/> until it needs more input, copying the data it returns and applying
    /// the connection's body-size check after each piece (Http1Connection.Receive.cs).
    /// </summary>
    public static ChunkedOutcome RunChunked(IEnumerable<byte[][]> deliveries, SequenceLayout layout, ChunkedSettings? settings = null)
    {
        var s = settings ?? new ChunkedSettings();
        var decoder = new ChunkedDecoder();
        decoder.Reset();
        var buffer = new Unconsumed(layout);
        var body = new List<byte>();
        long consumed = 0;
        foreach (var delivery in deliveries)
        {
            buffer.Append(delivery);
            var reader = new SequenceReader<byte>(buffer.ToSequence());
            try
            {
                while (true)
                {
                    var data = decoder.Decode(ref reader, s.MaxData, s.HeaderBudget, s.FieldBudget);
                    foreach (var memory in data)
                    {
                        body.AddRange(memory.Span);
                    }

                    if (body.Count > s.MaxBodySize)
                    {
                        throw new BadRequestException(RequestRejection.BodyTooLarge);
                    }

                    if (decoder.IsDone)
                    {
                        return new DecodedBody([.. body], Done: true, consumed + reader.Consumed);
                    }

                    if (data.IsEmpty)
                    {
                        break;
                    }
                }
            }
            catch (BadRequestException ex)
            {
                return new RejectedBody(ex.Reason, ex.StatusCode);
            }

            consumed += reader.Consumed;
            buffer.Drop(reader.Consumed);
        }

        return new DecodedBody([.. body], Done: false, consumed);
    }

    // ---- Splitting -----------------------------------------------------------------------------------------------

    /// <summary>Cuts the input into pieces of the given sizes, cycling through them; never yields an empty piece.</summary>
    public static byte[][] Cut(byte[] input, IReadOnlyList<int> sizes)
    {
        if (input.Length == 0)
        {
            return [input];
        }

        var pieces = new List<byte[]>();
        var offset = 0;
        for (var i = 0; offset < input.Length; i++)
        {
            var size = sizes.Count == 0 ? input.Length : Math.Max(1, sizes[i % sizes.Count]);
            size = Math.Min(size, input.Length - offset);
            pieces.Add(input.AsSpan(offset, size).ToArray());
            offset += size;
        }

        return [.. pieces];
    }

    public static IEnumerable<byte[][]> Fragments(byte[] input, IReadOnlyList<int> sizes)
    {
        foreach (var piece in Cut(input, sizes))
        {
            yield return [piece];
        }
    }

    public static IEnumerable<byte[][]> OneByteDeliveries(byte[] input) => Fragments(input, [1]);

    /// <summary>The bytes not consumed yet, kept contiguous or as the segments they arrived in.</summary>
    private sealed class Unconsumed(SequenceLayout layout)
    {
        private readonly List<ReadOnlyMemory<byte>> _pieces = [];

        public void Append(byte[][] delivery)
        {
            if (layout == SequenceLayout.Contiguous)
            {
                var all = new List<byte>();
                foreach (var piece in _pieces)
                {
                    all.AddRange(piece.Span);
                }

                foreach (var piece in delivery)
                {
                    all.AddRange(piece);
                }

                _pieces.Clear();
                _pieces.Add(all.ToArray());
                return;
            }

            foreach (var piece in delivery)
            {
                if (piece.Length > 0)
                {
                    _pieces.Add(piece);
                }
            }
        }

        public ReadOnlySequence<byte> ToSequence() => TestSequence.Create(_pieces);

        public void Drop(long count)
        {
            while (count > 0)
            {
                var first = _pieces[0];
                if (first.Length <= count)
                {
                    count -= first.Length;
                    _pieces.RemoveAt(0);
                }
                else
                {
                    _pieces[0] = first[(int)count..];
                    count = 0;
                }
            }

            if (_pieces.Count == 1 && _pieces[0].IsEmpty)
            {
                _pieces.Clear();
            }
        }
    }
}
