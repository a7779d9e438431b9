namespace AsgiBridge.Hosting;

/// <summary>The application registered with <see cref="AsgiWebHostBuilderExtensions.UseAsgi"/>, held in DI.</summary>
internal sealed record AsgiApplication(AsgiApp App);
