using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace AsgiBridge.Bench.RefServers;

/// <summary>
/// Which types a process allocates, from the runtime's own sampling: the GC raises an allocation tick about every
/// 100 KB allocated, naming the type of the allocation that crossed it, so the counts are proportional to the bytes
/// each type takes. For finding what a request path allocates (bench/README.md, "Allocations per request").
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public string Report(int top) =>
        string.Join('\n', _counts.OrderByDescending(p => p.Value).Take(top).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Value} {p.Key}")));

    public void Clear() => _counts.Clear();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == RuntimeSource)
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName == "GCAllocationTick_V4" && eventData.Payload is { } payload && eventData.PayloadNames is { } names
            && payload[names.IndexOf("TypeName")] is string type)
        {
            _counts.AddOrUpdate(type, 1, static (_, count) => count + 1);
        }
    }
}
