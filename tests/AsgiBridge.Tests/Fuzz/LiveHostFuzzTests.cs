using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AsgiBridge.Tests.Fuzz;

/// <summary>
/// Bounded, deterministic fuzzing of a live host: mutated requests (RequestMutator) over real sockets, every answer
/// held to the documented behaviour (FuzzOracle). bench/fuzz.sh runs the same cases by the hundred thousand.
/// </summary>
public sealed class LiveHostFuzzTests(ITestOutputHelper output)
{
    private const ulong RunSeed = 0x5EED_F022;
    private const int Cases = 4000;

    // Most cases take a few milliseconds; one in 16 waits out a timeout (1-3 s) on its own connection.
    private const int Concurrency = 32;

    [Fact]
    public async Task Mutated_requests_get_documented_answers_and_the_host_survives()
    {
        await using var server = await TestServer.StartAsync(EchoApp.App, args: FuzzHostSettings.Arguments);

        var report = await FuzzCampaign.RunAsync(server.EndPoint, RunSeed, firstCase: 0, Cases, Concurrency);
        var alive = await FuzzCampaign.CheckAliveAsync(server.EndPoint);
        output.WriteLine(report.ToMarkdown());

        var errors = server.Logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Level} {e.Category}: {e.Message} {e.Exception}").Take(5).ToList();
        Assert.True(report.FailureCount == 0 && alive is null && errors.Count == 0,
            $"{report.ToMarkdown()}\n{alive}\nServer errors logged:\n{string.Join('\n', errors)}\n\nFailures (replay: bench/fuzz.sh --seed 0x{RunSeed:X} --case N):\n{string.Join("\n\n", report.Failures)}");
        Assert.Equal(Cases, report.Cases);
    }

    [Fact]
    public async Task Every_seed_is_served_as_expected_when_unmutated()
    {
        await using var server = await TestServer.StartAsync(EchoApp.App, args: FuzzHostSettings.Arguments);

        foreach (var seed in FuzzSeeds.All)
        {
            var outcome = await FuzzCaseRunner.RunAsync(server.EndPoint, seed.Bytes, [], halfClose: true, FuzzHostSettings.CaseBound);

            Assert.True(outcome.FinalStatuses.SequenceEqual(seed.Statuses) && outcome.End == FuzzEnd.Closed && outcome.Problem is null,
                $"seed {seed.Name}: expected [{string.Join(' ', seed.Statuses)}], got {outcome}");
        }
    }
}
