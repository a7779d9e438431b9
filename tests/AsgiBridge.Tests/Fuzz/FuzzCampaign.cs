using System.Net;
using System.Text;

namespace AsgiBridge.Tests.Fuzz;

/// <summary>Runs a range of cases against a host, a bounded number at a time, and tallies them in a <see cref="FuzzReport"/>.</summary>
internal static class FuzzCampaign
{
    public static async Task<FuzzReport> RunAsync(IPEndPoint endPoint, ulong runSeed, long firstCase, long count, int concurrency, Action<long, FuzzReport>? progress = null)
    {
        var report = new FuzzReport(runSeed);
        var next = firstCase - 1;
        var workers = new Task[concurrency];
        for (var w = 0; w < concurrency; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                long index;
                while ((index = Interlocked.Increment(ref next)) < firstCase + count)
                {
                    var fuzzCase = FuzzCase.Create(runSeed, index);
                    var (whole, pieces, failure) = await RunCaseAsync(endPoint, fuzzCase);
                    var done = report.Record(fuzzCase, whole, pieces, failure);
                    progress?.Invoke(done, report);
                }
            });
        }

        await Task.WhenAll(workers);
        return report;
    }

    /// <summary>Whether the host still answers an ordinary request with 200, or why not.</summary>
    public static async Task<string?> CheckAliveAsync(IPEndPoint endPoint)
    {
        var request = Encoding.ASCII.GetBytes("GET /alive HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        var outcome = await FuzzCaseRunner.RunAsync(endPoint, request, [], halfClose: false, TimeSpan.FromSeconds(10));
        return outcome is { End: FuzzEnd.Closed, Problem: null, Responses: [{ Status: 200 }] } ? null : $"the host did not answer GET /alive: {outcome}";
    }

    /// <summary>Sends one case (whole, then in pieces when it has split points) and judges what came back.</summary>
    public static async Task<(FuzzOutcome Whole, FuzzOutcome? Pieces, string? Failure)> RunCaseAsync(IPEndPoint endPoint, FuzzCase fuzzCase)
    {
        var whole = await FuzzCaseRunner.RunAsync(endPoint, fuzzCase.Bytes, [], !fuzzCase.KeepOpen, FuzzHostSettings.CaseBound);
        var pieces = fuzzCase.SplitPoints.Length == 0
            ? null
            : await FuzzCaseRunner.RunAsync(endPoint, fuzzCase.Bytes, fuzzCase.SplitPoints, halfClose: true, FuzzHostSettings.CaseBound);
        return (whole, pieces, FuzzOracle.Judge(whole, pieces));
    }
}
