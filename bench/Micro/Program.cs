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

    // A quarter of the time (at most 5 s) warms up (the tiered JIT reaches its optimised code), unmeasured.
    var warmUp = System.Diagnostics.Stopwatch.StartNew();
    while (warmUp.Elapsed.TotalSeconds < Math.Min(seconds / 4.0, 5))
    {
        _ = pipelined ? benchmark.Pipelined() : benchmark.KeepAlive();
    }

    // The in-memory pipes run everything on this thread, so the process's CPU time is the loop's: on a shared
    // machine it is steadier than the wall clock, which also counts the time other processes had the core.
    var process = System.Diagnostics.Process.GetCurrentProcess();
    var cpuBefore = process.TotalProcessorTime;
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

    var wall = clock.Elapsed;
    process.Refresh();
    var cpu = process.TotalProcessorTime - cpuBefore;
    var requests = calls * perCall;
    Console.WriteLine($"{requests / wall.TotalSeconds:N0} requests/s ({wall.TotalNanoseconds / requests:N1} ns per request, {cpu.TotalNanoseconds / requests:N1} ns CPU per request)");
    benchmark.Cleanup();
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(ParserBenchmarks).Assembly).Run(args);
return 0;
