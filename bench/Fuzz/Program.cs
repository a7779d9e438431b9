using System.Diagnostics;
using System.Globalization;
using System.Net;
using AsgiBridge.Tests.Fuzz;

// Long fuzz runs against a running host (bench/fuzz.sh starts one). The cases are those of the test suite's
// LiveHostFuzzTests: case N of a seed is the same everywhere, so `--case N` replays any failure.
//
//   AsgiBridge.Fuzz --port P [--host 127.0.0.1] [--cases 100000] [--first 0] [--seed 0x5EEDF022] [--concurrency 32]
//   AsgiBridge.Fuzz --port P --case N [--seed S]    one case: its bytes and what the host answered
//   AsgiBridge.Fuzz --print-settings                 the host settings the cases assume, as command-line arguments
//
// Exit code: 0 no failure and the host still answers; 1 failures; 2 the host stopped answering; 64 bad usage.

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal))
    {
        return Usage($"unexpected argument '{args[i]}'");
    }

    options[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "";
}

if (options.ContainsKey("print-settings"))
{
    foreach (var argument in FuzzHostSettings.Arguments)
    {
        Console.WriteLine(argument);
    }

    return 0;
}

if (!options.TryGetValue("port", out var portText) || !int.TryParse(portText, CultureInfo.InvariantCulture, out var port))
{
    return Usage("--port is required");
}

var endPoint = new IPEndPoint(IPAddress.Parse(options.GetValueOrDefault("host", "127.0.0.1")), port);
var seed = ParseSeed(options.GetValueOrDefault("seed", "0x5EEDF022"));

if (options.TryGetValue("case", out var caseText))
{
    var fuzzCase = FuzzCase.Create(seed, long.Parse(caseText, CultureInfo.InvariantCulture));
    Console.WriteLine(fuzzCase.Describe());
    var (whole, pieces, failure) = await FuzzCampaign.RunCaseAsync(endPoint, fuzzCase);
    Console.WriteLine($"sent whole: {whole}");
    if (pieces is not null)
    {
        Console.WriteLine($"in pieces:  {pieces}");
    }

    Console.WriteLine(failure is null ? "as documented" : $"FAILURE: {failure}");
    return failure is null ? 0 : 1;
}

var cases = long.Parse(options.GetValueOrDefault("cases", "100000"), CultureInfo.InvariantCulture);
var first = long.Parse(options.GetValueOrDefault("first", "0"), CultureInfo.InvariantCulture);
var concurrency = int.Parse(options.GetValueOrDefault("concurrency", "32"), CultureInfo.InvariantCulture);

var clock = Stopwatch.StartNew();
var report = await FuzzCampaign.RunAsync(endPoint, seed, first, cases, concurrency, progress: (done, r) =>
{
    if (done % 10_000 == 0)
    {
        Console.Error.WriteLine($"{done} cases, {r.FailureCount} failures, {clock.Elapsed.TotalSeconds:0} s");
    }
});
var alive = await FuzzCampaign.CheckAliveAsync(endPoint);

Console.WriteLine($"cases {first}..{first + cases - 1}, {concurrency} at a time, {clock.Elapsed.TotalSeconds:0} s");
Console.WriteLine(report.ToMarkdown());
Console.WriteLine(alive ?? "host alive: GET /alive answered 200 after the run");
foreach (var failure in report.Failures)
{
    Console.WriteLine();
    Console.WriteLine(failure);
}

return alive is not null ? 2 : report.FailureCount > 0 ? 1 : 0;

static ulong ParseSeed(string text) => text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
    ? ulong.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
    : ulong.Parse(text, CultureInfo.InvariantCulture);

static int Usage(string problem)
{
    Console.Error.WriteLine($"AsgiBridge.Fuzz: {problem}");
    Console.Error.WriteLine("usage: AsgiBridge.Fuzz --port P [--host H] [--cases N] [--first N] [--seed S] [--concurrency C] | --port P --case N [--seed S] | --print-settings");
    return 64;
}
