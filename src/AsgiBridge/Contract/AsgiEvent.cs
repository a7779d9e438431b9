namespace AsgiBridge;

/// <summary>
/// Base of the typed events. Each is also a dictionary with the ASGI keys (<c>"type"</c> plus the event's own),
/// so code written against plain dictionaries reads and writes them unchanged.
/// </summary>
public abstract class AsgiEvent : AsgiDictionary
{
    /// <summary>The ASGI event type, e.g. <c>"http.request"</c>.</summary>
    public abstract string Type { get; }

    private protected override bool TryGetKnown(string key, out object? value)
    {
        if (key == "type")
        {
            value = Type;
            return true;
        }

        return TryGetField(key, out value);
    }

    private protected override bool TrySetKnown(string key, object? value)
    {
        if (key == "type")
        {
            if (value as string != Type)
            {
                throw new AsgiProtocolException($"'{Type}' event: key 'type' cannot be changed to '{value}'.");
            }

            return true;
        }

        return TrySetField(key, value);
    }

    /// <summary>Reads one of the event's own keys.</summary>
    private protected abstract bool TryGetField(string key, out object? value);

    /// <summary>Writes one of the event's own keys.</summary>
    private protected abstract bool TrySetField(string key, object? value);
}
