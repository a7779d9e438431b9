using AsgiBridge;
using MapAsgiSample;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddAsgi();          // the Asgi settings; the ASGI app's lifespan runs before the server starts
builder.Services.AddControllers();

var app = builder.Build();
app.MapGet("/health", () => "ok");   // an ASP.NET Core health check beside the ASGI app
app.MapControllers();                // GreetingController at /api/greeting
app.MapAsgi("/asgi", ShopApp.App);   // the ASGI app: root_path "/asgi"
app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
