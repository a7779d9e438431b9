namespace AsgiBridge.Tests.Http1;

/// <summary>Decodes a chunked body whole and one byte at a time (contiguous and segmented) and checks they agree.</summary>
internal static class ChunkedAssert
{
    public static ChunkedOutcome DecodeEveryWay(string latin1, ChunkedSettings? settings = null)
    {
        var input = ParserHarness.Bytes(latin1);
        var whole = ParserHarness.DecodeChunked(input, settings);
        var small = input.Length <= 2048;
        Assert.Equal(whole, small
            ? ParserHarness.DecodeChunkedOneByteAtATime(input, SequenceLayout.Contiguous, settings)
            : ParserHarness.DecodeChunkedInFragments(input, [509], SequenceLayout.Contiguous, settings));
        Assert.Equal(whole, small
            ? ParserHarness.DecodeChunkedOneByteAtATime(input, SequenceLayout.SegmentPerPiece, settings)
            : ParserHarness.DecodeChunkedInFragments(input, [509], SequenceLayout.SegmentPerPiece, settings));
        return whole;
    }

    /// <summary>Asserts the body decodes completely to <paramref name="expected"/> using all of the input.</summary>
    public static void Decodes(string latin1, string expected, ChunkedSettings? settings = null)
    {
        var outcome = DecodeEveryWay(latin1, settings);
        Assert.Equal(new DecodedBody(ParserHarness.Bytes(expected), Done: true, latin1.Length), outcome);
    }

    public static void Rejected(string latin1, AsgiBridge.Http1.RequestRejection reason, int status, ChunkedSettings? settings = null) =>
        Assert.Equal(new RejectedBody(reason, status), DecodeEveryWay(latin1, settings));
}
