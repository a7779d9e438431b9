namespace AsgiBridge.Host.Cli;

/// <summary>One of uvicorn's flags the host accepts, and the configuration key it sets.</summary>
/// <param name="Name">The flag without its dashes (<c>root-path</c>).</param>
/// <param name="Kind">How its value becomes the configuration value.</param>
/// <param name="Key">The configuration key it sets (<c>Asgi:RootPath</c>).</param>
/// <param name="ValueName">The value's placeholder in the usage text; empty for a flag without a value.</param>
/// <param name="Choices">For <see cref="FlagKind.Choice"/>: each accepted value and the configuration value it is written as.</param>
internal sealed record UvicornFlag(string Name, FlagKind Kind, string Key, string ValueName = "", IReadOnlyDictionary<string, string>? Choices = null)
{
    /// <summary>Whether the flag is followed by a value.</summary>
    public bool TakesValue => Kind is FlagKind.Value or FlagKind.Choice or FlagKind.Address or FlagKind.Repeated;
}
