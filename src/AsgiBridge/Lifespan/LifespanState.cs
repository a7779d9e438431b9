namespace AsgiBridge.Lifespan;

/// <summary>
/// One application instance's lifespan state: the dictionary its lifespan scope fills during startup, and the
/// snapshot every request and WebSocket scope of that application copies its <c>state</c> from (ASGI lifespan spec,
/// "Lifespan State"). Each application instance has its own, whichever backend serves it.
/// </summary>
internal sealed class LifespanState
{
    private Dictionary<string, object?>? _snapshot;

    /// <summary>The dictionary the lifespan scope fills during startup.</summary>
    public Dictionary<string, object?> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// What each scope's <c>state</c> is copied from: a snapshot taken when startup completed, so later changes by a
    /// still-running lifespan task cannot race the copies.
    /// </summary>
    public IDictionary<string, object?> Source => Volatile.Read(ref _snapshot) ?? Values;

    /// <summary>Takes the snapshot <see cref="Source"/> serves; called once lifespan startup completed.</summary>
    public void Freeze() => Volatile.Write(ref _snapshot, new Dictionary<string, object?>(Values, StringComparer.Ordinal));
}
