using System.Text;
using System.Text.Json;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Conformance;

/// <summary>
/// Sends every corpus case to the live echo host, whole and again in 1–8-byte pieces, and checks the first
/// status, the number of responses, whether the connection closes, and what the app saw. A request the server
/// keeps open for is followed by one more request, so a framing mistake (body bytes left unread or over-read)
/// shows up as a wrong or missing follow-up response.
/// </summary>
public sealed class ConformanceTests(ConformanceFixture fixture) : IClassFixture<ConformanceFixture>
{
    private const string FollowUp = "GET /__follow-up HTTP/1.1\r\nHost: follow\r\nConnection: close\r\n\r\n";

    public static IEnumerable<object[]> Cases() => CorpusLoader.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Case_sent_whole(string name) => RunAsync(CorpusLoader.Get(name), pieces: false);

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Case_sent_in_pieces(string name) => RunAsync(CorpusLoader.Get(name), pieces: true);

    private async Task RunAsync(CorpusCase corpusCase, bool pieces)
    {
        var bytes = corpusCase.ToBytes();
        var expectFollowUp = !corpusCase.Close;
        if (expectFollowUp)
        {
            bytes = [.. bytes, .. Encoding.Latin1.GetBytes(FollowUp)];
        }

        using var client = await RawClient.ConnectAsync(fixture.Server);
        if (pieces)
        {
            await SendInRandomPiecesAsync(client, bytes, corpusCase.Name);
        }
        else
        {
            await client.SendAsync(bytes);
        }

        var expectedCount = corpusCase.Responses + (expectFollowUp ? 1 : 0);
        var method = corpusCase.Raw.StartsWith("HEAD ", StringComparison.Ordinal) ? "HEAD" : null;
        var responses = await client.ReadResponsesAsync(expectedCount, method);
        Assert.True(responses.Count > 0, $"{corpusCase.Name}: no response");
        Assert.Contains(responses[0].Status, corpusCase.Expect);

        if (corpusCase.IsRejection || corpusCase.Close)
        {
            Assert.Equal(corpusCase.Responses, responses.Count);
            Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(5)), $"{corpusCase.Name}: connection not closed");
        }
        else if (responses.Count == expectedCount)
        {
            Assert.Contains("\"/__follow-up\"", responses[^1].BodyText, StringComparison.Ordinal);
        }
        else
        {
            // A later request in the case closed the connection (Connection: close, HTTP/1.0, or a rejection):
            // then exactly the case's responses arrive and the follow-up is never answered.
            Assert.Equal(corpusCase.Responses, responses.Count);
            Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(5)), $"{corpusCase.Name}: connection not closed");
        }

        if (corpusCase.Echo is { } echo)
        {
            CheckEcho(echo, responses[0].BodyText);
        }
    }

    private static async Task SendInRandomPiecesAsync(RawClient client, byte[] bytes, string name)
    {
        var random = new Random(StringComparer.Ordinal.GetHashCode(name) & 0x7FFFFFFF);
        var offset = 0;
        while (offset < bytes.Length)
        {
            var size = Math.Min(random.Next(1, 9), bytes.Length - offset);
            try
            {
                await client.SendAsync(bytes.AsSpan(offset, size).ToArray());
            }
            catch (System.Net.Sockets.SocketException)
            {
                return; // Closed after an early rejection: the answer already sent is what counts.
            }

            offset += size;
        }
    }

    private static void CheckEcho(CorpusEcho echo, string body)
    {
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        void Check(string? expected, string key)
        {
            if (expected is not null)
            {
                Assert.Equal(expected, root.GetProperty(key).GetString());
            }
        }

        Check(echo.Method, "method");
        Check(echo.Path, "path");
        Check(echo.RawPath, "raw_path");
        Check(echo.QueryString, "query_string");
        Check(echo.HttpVersion, "http_version");
        if (echo.Headers is { } headers)
        {
            var actual = root.GetProperty("headers").EnumerateArray().Select(h => (h[0].GetString()!, h[1].GetString()!)).ToList();
            Assert.Equal(headers.Select(h => (h[0], h[1])).ToList(), actual);
        }

        if (echo.Body() is { } expectedBody)
        {
            Assert.Equal(expectedBody, root.GetProperty("body").GetBytesFromBase64());
        }
    }
}
