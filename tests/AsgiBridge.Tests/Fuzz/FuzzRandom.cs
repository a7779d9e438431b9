namespace AsgiBridge.Tests.Fuzz;

/// <summary>
/// SplitMix64: a tiny generator whose sequence is fixed by its seed forever, unlike <see cref="Random"/>, whose
/// algorithm may change between runtimes. Every fuzz case draws from its own instance, seeded from the run's seed
/// and the case's index, so any case can be regenerated alone.
/// </summary>
internal sealed class FuzzRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The seed of case <paramref name="index"/> of the run seeded with <paramref name="runSeed"/>.</summary>
    public static ulong CaseSeed(ulong runSeed, long index) => new FuzzRandom(runSeed ^ ((ulong)index * 0xD1342543DE82EF95UL)).NextUInt64();

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A number in [0, <paramref name="maxExclusive"/>); 0 when the range is empty.</summary>
    public int Next(int maxExclusive) => maxExclusive <= 0 ? 0 : (int)(NextUInt64() % (ulong)maxExclusive);

    /// <summary>A number in [<paramref name="min"/>, <paramref name="maxExclusive"/>).</summary>
    public int Next(int min, int maxExclusive) => min + Next(maxExclusive - min);

    public bool OneIn(int n) => Next(n) == 0;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];
}
