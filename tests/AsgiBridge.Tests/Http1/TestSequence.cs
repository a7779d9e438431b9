using System.Buffers;

namespace AsgiBridge.Tests.Http1;

/// <summary>Builds a <see cref="ReadOnlySequence{T}"/> out of several linked segments, one per array.</summary>
internal static class TestSequence
{
    public static ReadOnlySequence<byte> Create(IReadOnlyList<ReadOnlyMemory<byte>> pieces)
    {
        if (pieces.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        if (pieces.Count == 1)
        {
            return new ReadOnlySequence<byte>(pieces[0]);
        }

        var first = new Segment(pieces[0], 0);
        var last = first;
        for (var i = 1; i < pieces.Count; i++)
        {
            last = last.Append(pieces[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
