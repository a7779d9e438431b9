using System.IO.Pipelines;
using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>The lingering close's two decisions over a <see cref="Pipe"/>: whether to linger, and when to stop reading.</summary>
public sealed class LingeringCloseTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Buffered_input_means_the_client_may_still_be_sending()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("more"u8.ToArray());

        Assert.True(LingeringClose.ClientMayStillBeSending(pipe.Reader, requestUnfinished: false));

        // Nothing was consumed (only examined): with the next byte, all five are there to discard.
        await pipe.Writer.WriteAsync("!"u8.ToArray());
        Assert.True(pipe.Reader.TryRead(out var result));
        Assert.Equal(5, result.Buffer.Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Without_buffered_input_an_unfinished_request_decides(bool requestUnfinished)
    {
        var pipe = new Pipe();
        Assert.Equal(requestUnfinished, LingeringClose.ClientMayStillBeSending(pipe.Reader, requestUnfinished));
    }

    [Fact]
    public async Task A_client_that_already_closed_is_not_waited_for()
    {
        var pipe = new Pipe();
        await pipe.Writer.CompleteAsync();
        Assert.False(LingeringClose.ClientMayStillBeSending(pipe.Reader, requestUnfinished: true));
    }

    [Fact]
    public async Task Discarding_stops_when_the_client_closes_and_consumes_what_it_sent()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("upload rest"u8.ToArray());
        await pipe.Writer.CompleteAsync();

        await LingeringClose.DiscardUntilQuietAsync(pipe.Reader).AsTask().WaitAsync(Timeout);
        Assert.True(pipe.Reader.TryRead(out var rest));
        Assert.True(rest.Buffer.IsEmpty);
        Assert.True(rest.IsCompleted);
    }

    [Fact]
    public async Task Discarding_stops_when_the_client_goes_quiet()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("x"u8.ToArray());

        // The idle wait is 25 ms; the whole linger is bounded at 2 s.
        await LingeringClose.DiscardUntilQuietAsync(pipe.Reader).AsTask().WaitAsync(Timeout);
        Assert.False(pipe.Reader.TryRead(out _));
    }
}
