using AsgiBridge.Benchmarks;
using BenchmarkDotNet.Running;

// `dotnet run -c Release --project bench/Micro -- --filter '*'` runs the micro-benchmarks (any BenchmarkDotNet
// arguments work); `-- --live-allocations` measures bytes per request on a live in-process host instead.
if (Array.IndexOf(args, "--live-allocations") >= 0)
{
    return await LiveAllocations.RunAsync();
}

BenchmarkSwitcher.FromAssembly(typeof(ParserBenchmarks).Assembly).Run(args);
return 0;
