using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Tests.Diagnostics;

/// <summary>Tests that register process-wide listeners (activity listeners, OpenTelemetry providers) run alone, after the others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalListeners
{
    public const string Name = "Process-wide telemetry listeners";
}

/// <summary>One measurement as a <see cref="MeterListener"/> saw it.</summary>
public sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

/// <summary>
/// Collects the measurements of one host's <c>AsgiBridge</c> meter: the listener enables only instruments whose meter
/// the host's own <see cref="IMeterFactory"/> made, so hosts of tests running in parallel never mix.
/// </summary>
public sealed class HostMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measured> _measured = new();

    public HostMeasurements(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "AsgiBridge" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    public IReadOnlyList<Measured> Of(string instrument) => _measured.Where(m => m.Instrument == instrument).ToList();

    /// <summary>Reads the observable instruments (the lifespan gauge) now.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public Task<IReadOnlyList<Measured>> WaitForAsync(string instrument, int count = 1) =>
        Eventually.ValueAsync(() => Of(instrument) is { } list && list.Count >= count ? list : null);

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, tagValue) in tags)
        {
            copy[key] = tagValue;
        }

        _measured.Enqueue(new Measured(instrument.Name, value, copy));
    }

    public void Dispose() => _listener.Dispose();
}

public static class Eventually
{
    /// <summary>Polls until <paramref name="probe"/> returns a value (10 s at most).</summary>
    public static async Task<T> ValueAsync<T>(Func<T?> probe)
        where T : class
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            await Task.Delay(10, timeout.Token);
        }
    }

    public static Task TrueAsync(Func<bool> condition) => ValueAsync(() => condition() ? "" : null);
}

/// <summary>One access-log entry: its text and its structured fields.</summary>
public sealed record AccessLine(LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Fields);

public static class AccessLines
{
    public const string Category = "AsgiBridge.AccessLog";

    public static IReadOnlyList<AccessLine> Of(TestServer server) =>
        server.Logs.Entries.Where(e => e.Category == Category).Select(e => new AccessLine(e.Level, e.Message, e.Fields)).ToList();

    /// <summary>Waits for the first access line whose text satisfies <paramref name="match"/> (any line without one).</summary>
    public static Task<AccessLine> WaitForAsync(TestServer server, Func<string, bool>? match = null) =>
        Eventually.ValueAsync(() => Of(server).FirstOrDefault(e => match is null || match(e.Message)));

    /// <summary>Whether the text holds nothing a terminal or a line-oriented log reader would act on.</summary>
    public static bool IsInert(string text) => !text.Any(c => c < 0x20 || c >= 0x7F);
}
