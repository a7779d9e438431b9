using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>
/// Assertions that parse an input whole and also one byte at a time (contiguous and one segment per byte), so every
/// table test also checks that the answer does not depend on how the bytes arrived.
/// </summary>
internal static class HeadAssert
{
    public static CompleteHead Complete(string latin1, Http1Limits? limits = null) => Complete(ParserHarness.Bytes(latin1), limits);

    public static CompleteHead Complete(byte[] input, Http1Limits? limits = null)
    {
        var outcome = ParseEveryWay(input, limits);
        return Assert.IsType<CompleteHead>(outcome);
    }

    public static void Rejected(string latin1, RequestRejection reason, int status, Http1Limits? limits = null) =>
        Rejected(ParserHarness.Bytes(latin1), reason, status, limits);

    public static void Rejected(byte[] input, RequestRejection reason, int status, Http1Limits? limits = null)
    {
        var outcome = ParseEveryWay(input, limits);
        Assert.Equal(new RejectedHead(reason, status), outcome);
    }

    public static IncompleteHead Incomplete(string latin1, Http1Limits? limits = null)
    {
        var outcome = ParseEveryWay(ParserHarness.Bytes(latin1), limits);
        return Assert.IsType<IncompleteHead>(outcome);
    }

    /// <summary>The whole-input outcome, after checking the byte-at-a-time runs agree with it.</summary>
    public static HeadOutcome ParseEveryWay(byte[] input, Http1Limits? limits)
    {
        var whole = ParserHarness.ParseHead(input, limits);
        // One byte at a time is quadratic; long inputs (limit tests) are checked in 509-byte fragments instead.
        var small = input.Length <= 2048;
        var contiguous = small
            ? ParserHarness.ParseHeadOneByteAtATime(input, SequenceLayout.Contiguous, limits)
            : ParserHarness.ParseHeadInFragments(input, [509], SequenceLayout.Contiguous, limits);
        Assert.Equal(whole, contiguous);
        var segmented = small
            ? ParserHarness.ParseHeadOneByteAtATime(input, SequenceLayout.SegmentPerPiece, limits)
            : ParserHarness.ParseHeadInFragments(input, [509], SequenceLayout.SegmentPerPiece, limits);
        Assert.Equal(whole, segmented);
        return whole;
    }
}
