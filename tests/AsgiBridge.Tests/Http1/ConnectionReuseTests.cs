using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>The keep-alive decision (RFC 9112 §9.3) made in one place: what the request says, and the first reason that ends it.</summary>
public sealed class ConnectionReuseTests
{
    [Theory]
    [InlineData("HTTP/1.1", "", true, "None")]
    [InlineData("HTTP/1.1", "Connection: close\r\n", false, "ClientAskedClose")]
    [InlineData("HTTP/1.1", "Connection: keep-alive, CLOSE\r\n", false, "ClientAskedClose")]
    [InlineData("HTTP/1.0", "", false, "Http10WithoutKeepAlive")]
    [InlineData("HTTP/1.0", "Connection: keep-alive\r\n", true, "None")]
    [InlineData("HTTP/1.0", "Connection: keep-alive, close\r\n", false, "ClientAskedClose")]
    public async Task The_request_decides_first(string version, string lines, bool keepAlive, string reason)
    {
        await using var parts = Http1Parts.Get(lines, version: version);
        Assert.Equal(keepAlive, parts.Reuse.KeepAlive);
        Assert.Equal(reason, parts.Reuse.Reason.ToString());
    }

    [Fact]
    public async Task The_first_reason_is_kept_and_the_next_request_starts_afresh()
    {
        await using var parts = Http1Parts.Get();
        parts.Reuse.End(ReuseEnd.BodyFailed);
        parts.Reuse.End(ReuseEnd.Incomplete);
        Assert.False(parts.Reuse.KeepAlive);
        Assert.Equal(ReuseEnd.BodyFailed, parts.Reuse.Reason);

        parts.StartRequest();
        Assert.True(parts.Reuse.KeepAlive);
        Assert.Equal(ReuseEnd.None, parts.Reuse.Reason);
    }

    [Fact]
    public async Task A_close_request_lasts_for_the_connection_and_ends_every_later_response()
    {
        await using var parts = Http1Parts.Get();
        parts.Reuse.RequestClose();
        parts.StartRequest();
        Assert.True(parts.Reuse.CloseRequested);
        Assert.True(parts.Reuse.KeepAlive);

        await parts.Cycle.SendAsync(new HttpResponseStartEvent(200));
        await parts.Cycle.SendAsync(new HttpResponseBodyEvent("x"u8.ToArray()));
        Assert.False(parts.Reuse.KeepAlive);
        Assert.Equal(ReuseEnd.CloseRequested, parts.Reuse.Reason);
    }
}
