using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace AsgiBridge;

/// <summary>
/// Base of the scope and of the typed events: a dictionary with ASGI key names whose well-known keys are backed
/// by typed properties. Reading a typed property costs nothing; the dictionary view boxes a value only when a
/// key is read through it. Keys the type does not know are kept in an overflow dictionary created on first use.
/// </summary>
public abstract class AsgiDictionary : IDictionary<string, object?>, IReadOnlyDictionary<string, object?>
{
    private Dictionary<string, object?>? _extra;

    /// <summary>The well-known keys of this type, in the order they are enumerated.</summary>
    private protected abstract string[] KnownKeys { get; }

    /// <summary>Reads a well-known key. Returns false when the key is not known or not present.</summary>
    private protected abstract bool TryGetKnown(string key, out object? value);

    /// <summary>Writes a well-known key. Returns false when the key is not known; throws when the value has the wrong type.</summary>
    private protected abstract bool TrySetKnown(string key, object? value);

    /// <inheritdoc />
    public object? this[string key]
    {
        get => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The key '{key}' is not present.");
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            if (!TrySetKnown(key, value))
            {
                (_extra ??= new Dictionary<string, object?>(StringComparer.Ordinal))[key] = value;
            }
        }
    }

    /// <inheritdoc />
    public bool TryGetValue(string key, out object? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (TryGetKnown(key, out value))
        {
            return true;
        }

        if (_extra is not null && _extra.TryGetValue(key, out value))
        {
            return true;
        }

        value = null;
        return false;
    }

    bool IDictionary<string, object?>.TryGetValue(string key, [MaybeNullWhen(false)] out object? value) => TryGetValue(key, out value);

    /// <inheritdoc />
    public bool ContainsKey(string key) => TryGetValue(key, out _);

    /// <inheritdoc />
    public ICollection<string> Keys
    {
        get
        {
            var keys = new List<string>();
            foreach (var pair in this)
            {
                keys.Add(pair.Key);
            }

            return keys;
        }
    }

    /// <inheritdoc />
    public ICollection<object?> Values
    {
        get
        {
            var values = new List<object?>();
            foreach (var pair in this)
            {
                values.Add(pair.Value);
            }

            return values;
        }
    }

    IEnumerable<string> IReadOnlyDictionary<string, object?>.Keys => Keys;

    IEnumerable<object?> IReadOnlyDictionary<string, object?>.Values => Values;

    /// <inheritdoc />
    public int Count
    {
        get
        {
            var count = _extra?.Count ?? 0;
            foreach (var key in KnownKeys)
            {
                if (TryGetKnown(key, out _))
                {
                    count++;
                }
            }

            return count;
        }
    }

    /// <inheritdoc />
    public bool IsReadOnly => false;

    /// <inheritdoc />
    public void Add(string key, object? value)
    {
        if (ContainsKey(key))
        {
            throw new ArgumentException($"The key '{key}' is already present.", nameof(key));
        }

        this[key] = value;
    }

    /// <inheritdoc />
    public void Add(KeyValuePair<string, object?> item) => Add(item.Key, item.Value);

    /// <summary>Removes an overflow key. Well-known keys cannot be removed: set them instead.</summary>
    /// <param name="key">The key.</param>
    /// <returns>Whether the key was removed.</returns>
    public bool Remove(string key)
    {
        if (TryGetKnown(key, out _))
        {
            throw new NotSupportedException($"The key '{key}' is part of {GetType().Name} and cannot be removed; assign it instead.");
        }

        return _extra is not null && _extra.Remove(key);
    }

    /// <inheritdoc />
    public bool Remove(KeyValuePair<string, object?> item) => Contains(item) && Remove(item.Key);

    /// <inheritdoc />
    public void Clear() => throw new NotSupportedException($"{GetType().Name} cannot be cleared.");

    /// <inheritdoc />
    public bool Contains(KeyValuePair<string, object?> item) =>
        TryGetValue(item.Key, out var value) && Equals(value, item.Value);

    /// <inheritdoc />
    public void CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex)
    {
        ArgumentNullException.ThrowIfNull(array);
        foreach (var pair in this)
        {
            array[arrayIndex++] = pair;
        }
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        foreach (var key in KnownKeys)
        {
            if (TryGetKnown(key, out var value))
            {
                yield return new KeyValuePair<string, object?>(key, value);
            }
        }

        if (_extra is not null)
        {
            foreach (var pair in _extra)
            {
                yield return pair;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
