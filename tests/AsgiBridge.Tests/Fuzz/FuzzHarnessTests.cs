using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Fuzz;

/// <summary>The fuzz harness itself: its cases are fixed, its oracle and response scanner strict, its reports replayable.</summary>
public sealed class FuzzHarnessTests
{
    private const ulong RunSeed = 0x5EED_F022;

    [Fact]
    public void Documented_statuses_are_the_rejection_table_plus_the_app_and_the_websocket_handshake()
    {
        var derived = new SortedSet<int>(Enum.GetValues<RequestRejection>().Select(RequestRejections.Status)) { 100, 101, 200, 400, 426 };

        Assert.Equal(derived, FuzzOracle.DocumentedStatuses);
    }

    [Fact]
    public void Cases_depend_only_on_the_run_seed_and_the_index()
    {
        var first = Enumerable.Range(0, 300).Select(i => FuzzCase.Create(RunSeed, i).Describe()).ToList();
        var again = Enumerable.Range(0, 300).Reverse().Select(i => FuzzCase.Create(RunSeed, i).Describe()).Reverse().ToList();

        Assert.Equal(first, again);

        // Pinned, so that the cases cannot drift with the runtime (FuzzRandom is ours, not System.Random). Changing
        // the seeds or the mutations on purpose changes this digest: update it with the new value.
        var digest = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', first))))[..16];
        Assert.Equal("D417EE1DB4FA8B4A", digest);
    }

    [Fact]
    public void Cases_use_every_seed_and_every_kind_of_mutation()
    {
        var kinds = new[] { "flip", "set", "insert 0x", "delete", "truncate", "duplicate", "inject", "obs-fold", "before the colon", "CRLF", "before the line end", "request line part", "append seed" };
        var applied = Enumerable.Range(0, 2000).SelectMany(i => FuzzCase.Create(RunSeed, i).Mutations).ToList();

        Assert.All(kinds, kind => Assert.Contains(applied, m => m.Contains(kind, StringComparison.Ordinal)));
        Assert.Equal(FuzzSeeds.All.Count, Enumerable.Range(0, 2000).Select(i => FuzzCase.Create(RunSeed, i).SeedName).Distinct().Count());
    }

    [Theory]
    [InlineData("200 200", "Closed", null, null)]
    [InlineData("100 200 400/close", "Closed", null, null)]
    [InlineData("101", "Closed", null, null)]
    [InlineData("", "Closed", null, null)]
    [InlineData("200 500/close", "Closed", null, "undocumented status 500")]
    [InlineData("404", "Closed", null, "undocumented status 404")]
    [InlineData("400", "Closed", null, "rejection 400 without connection: close")]
    [InlineData("400/close 200", "Closed", null, "response after connection: close")]
    [InlineData("200/close 200", "Closed", null, "response after connection: close")]
    [InlineData("200 200/close", "Closed", null, null)]
    [InlineData("200", "Hung", null, "hang")]
    [InlineData("", "Refused", "refused", "connection refused")]
    [InlineData("200", "Closed", "body of 1 bytes, content-length 2", "bad response")]
    public void Oracle_accepts_only_documented_answers(string statuses, string end, string? problem, string? failure)
    {
        var verdict = FuzzOracle.Judge(Outcome(statuses, Enum.Parse<FuzzEnd>(end), problem), pieces: null);

        if (failure is null)
        {
            Assert.Null(verdict);
        }
        else
        {
            Assert.StartsWith(failure, verdict, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Oracle_requires_the_same_final_answers_whatever_the_split()
    {
        Assert.Null(FuzzOracle.Judge(Outcome("100 200 200"), Outcome("200 200")));
        Assert.StartsWith("split-dependent", FuzzOracle.Judge(Outcome("200 200"), Outcome("200 400/close")), StringComparison.Ordinal);
        Assert.StartsWith("hang", FuzzOracle.Judge(Outcome("200"), Outcome("200", FuzzEnd.Hung)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 1\r\n\r\nx", "200 400/close", null)]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", "100 200", null)]
    [InlineData("HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n", "200 200", null)]
    [InlineData("HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\nHTTP/1.1 is!", "400", null)]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\n\r\n\u0081\u0002hi", "101", null)]
    [InlineData("HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nshort", "200", "body of 5 bytes, content-length 9")]
    [InlineData("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab", "200", "truncated chunk at byte 50")]
    [InlineData("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokGARBAGE", "200", "incomplete response head at byte 40")]
    [InlineData("HTTP/1.0 200 OK\r\n\r\n", "", "malformed status line \"HTTP/1.0 200 OK\"")]
    public void Response_scanner_reads_exactly_the_responses_on_the_wire(string latin1, string statuses, string? problem)
    {
        var responses = ResponseScanner.Scan(Encoding.Latin1.GetBytes(latin1), out var found);

        Assert.Equal(statuses, string.Join(' ', responses.Select(r => r.Status + (r.Close ? "/close" : ""))));
        Assert.Equal(problem, found);
    }

    [Fact]
    public void Failures_print_the_exact_bytes_as_a_CSharp_expression()
    {
        var bytes = Encoding.Latin1.GetBytes("GET /\u0000\u00ff\"\\ HTTP/1.1\r\n" + new string('a', 20) + "x" + new string('\'', 16));

        Assert.Equal("\"GET /\\u0000\\u00FF\\\"\\\\ HTTP/1.1\\r\\n\" + new string('a', 20) + \"x\" + new string('\\'', 16)", FuzzCase.ToCSharp(bytes));
    }

    private static FuzzOutcome Outcome(string statuses, FuzzEnd end = FuzzEnd.Closed, string? problem = null) => new(
        [.. statuses.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => new ScannedResponse(int.Parse(s[..3], CultureInfo.InvariantCulture), s.EndsWith("/close", StringComparison.Ordinal)))],
        end,
        problem,
        TimeSpan.Zero);
}
