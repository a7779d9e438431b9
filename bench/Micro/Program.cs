using AsgiBridge.Benchmarks;
using BenchmarkDotNet.Running;

// `dotnet run -c Release --project bench/Micro -- --filter '*'` runs the micro-benchmarks (any BenchmarkDotNet
// arguments work); `-- --live-allocations` measures bytes per request on a live in-process host instead.
if (Array.IndexOf(args, "--live-allocations") >= 0)
{
    return await LiveAllocations.RunAsync();
}

// `-- --profile-pipelined SECONDS` / `-- --profile-keepalive SECONDS` run the pipelined or keep-alive response
// benchmark in a plain loop, for a sampling profiler (perf record with DOTNET_PerfMapEnabled=1): bench/Micro/README.md.
foreach (var (option, pipelined) in new[] { ("--profile-pipelined", true), ("--profile-keepalive", false) })
{
    var profile = Array.IndexOf(args, option);
    if (profile < 0)
    {
        continue;
    }

    var seconds = profile + 1 < args.Length ? int.Parse(args[profile + 1], System.Globalization.CultureInfo.InvariantCulture) : 20;
    var perCall = pipelined ? 16 : 1;
    var benchmark = new ResponseBenchmarks();
    benchmark.Setup();
    var clock = System.Diagnostics.Stopwatch.StartNew();
    long calls = 0;
    while (clock.Elapsed.TotalSeconds < seconds)
    {
        for (var i = 0; i < 1000; i++)
        {
            _ = pipelined ? benchmark.Pipelined() : benchmark.KeepAlive();
        }

        calls += 1000;
    }

    Console.WriteLine($"{calls * perCall / clock.Elapsed.TotalSeconds:N0} requests/s ({clock.Elapsed.TotalNanoseconds / (calls * perCall):N1} ns per request)");
    benchmark.Cleanup();
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(ParserBenchmarks).Assembly).Run(args);
return 0;
