using AsgiBridge.Benchmarks;
using BenchmarkDotNet.Running;

// `dotnet run -c Release --project bench/Micro -- --filter '*'` runs the micro-benchmarks (any BenchmarkDotNet
// arguments work); `-- --live-allocations` measures bytes per request on a live in-process host instead.
if (Array.IndexOf(args, "--live-allocations") >= 0)
{
    return await LiveAllocations.RunAsync();
}

// `-- --profile-pipelined SECONDS` runs the pipelined response benchmark in a plain loop, for a sampling profiler
// (perf record with DOTNET_PerfMapEnabled=1): bench/Micro/README.md.
var profile = Array.IndexOf(args, "--profile-pipelined");
if (profile >= 0)
{
    var seconds = profile + 1 < args.Length ? int.Parse(args[profile + 1], System.Globalization.CultureInfo.InvariantCulture) : 20;
    var benchmark = new ResponseBenchmarks();
    benchmark.Setup();
    var clock = System.Diagnostics.Stopwatch.StartNew();
    long batches = 0;
    while (clock.Elapsed.TotalSeconds < seconds)
    {
        for (var i = 0; i < 1000; i++)
        {
            benchmark.Pipelined();
        }

        batches += 1000;
    }

    Console.WriteLine($"{batches * 16 / clock.Elapsed.TotalSeconds:N0} requests/s ({clock.Elapsed.TotalNanoseconds / (batches * 16):N1} ns per request)");
    benchmark.Cleanup();
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(ParserBenchmarks).Assembly).Run(args);
return 0;
