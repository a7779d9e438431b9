using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>What <see cref="ChunkedDecoder"/> (driven the way the connection drives it) made of a byte stream.</summary>
internal abstract record ChunkedOutcome;

/// <summary>The body decoded so far; <see cref="Done"/> once the last chunk and trailer section were read.</summary>
internal sealed record DecodedBody(byte[] Body, bool Done, long Consumed) : ChunkedOutcome
{
    public bool Equals(DecodedBody? other) =>
        other is not null && Body.AsSpan().SequenceEqual(other.Body) && Done == other.Done && Consumed == other.Consumed;

    public override int GetHashCode() => HashCode.Combine(Body.Length, Done, Consumed);

    public override string ToString() =>
        $"Decoded done={Done} consumed={Consumed} body[{Body.Length}]={CompleteHead.Escape(System.Text.Encoding.Latin1.GetString(Body))}";
}

/// <summary>The decoder (or the body-size check) threw.</summary>
internal sealed record RejectedBody(RequestRejection Reason, int Status) : ChunkedOutcome;
