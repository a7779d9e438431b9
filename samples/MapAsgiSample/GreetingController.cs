using Microsoft.AspNetCore.Mvc;

namespace MapAsgiSample;

/// <summary>An ordinary MVC controller served beside the ASGI app.</summary>
[ApiController]
[Route("api/greeting")]
public sealed class GreetingController : ControllerBase
{
    /// <summary>A greeting.</summary>
    [HttpGet]
    public string Get() => "hello from a controller";
}
