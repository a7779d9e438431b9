using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

public sealed class BufferedOutputTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(4095)]
    [InlineData(65536)]
    [InlineData(0x7ABCDEF)]
    [InlineData(int.MaxValue)]
    public void A_chunk_size_line_is_the_length_in_lowercase_hex_and_CRLF(int length)
    {
        // RFC 9112 §7.1: chunk-size = 1*HEXDIG, without leading zeros here.
        Assert.Equal(length.ToString("x", CultureInfo.InvariantCulture) + "\r\n", Written((ref BufferedOutput output) => output.WriteChunkHeader(length)));
    }

    private delegate void Writing(ref BufferedOutput output);

    private static string Written(Writing write)
    {
        var pipe = new Pipe();
        var output = new BufferedOutput(pipe.Writer, pipe.Writer.GetSpan(64), 0);
        write(ref output);
        output.Commit();
        pipe.Writer.Complete();
        Assert.True(pipe.Reader.TryRead(out var result));
        return Encoding.ASCII.GetString(result.Buffer);
    }
}
