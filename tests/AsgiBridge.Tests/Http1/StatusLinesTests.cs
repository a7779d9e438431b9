using System.Text;
using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>The status line's reason phrase (RFC 9112 §4): every registered status has one, an unknown one is empty.</summary>
public sealed class StatusLinesTests
{
    [Theory]
    [InlineData(200, "OK")]
    [InlineData(208, "Already Reported")]
    [InlineData(226, "IM Used")]
    [InlineData(413, "Content Too Large")]
    [InlineData(423, "Locked")]
    [InlineData(424, "Failed Dependency")]
    [InlineData(507, "Insufficient Storage")]
    [InlineData(511, "Network Authentication Required")]
    [InlineData(299, "")]
    public void A_status_line_names_its_status(int status, string phrase) =>
        Assert.Equal($"HTTP/1.1 {status} {phrase}\r\n", Encoding.ASCII.GetString(StatusLines.Get(status)));
}
