// Microsoft.NET.Sdk does not add ASP.NET Core's implicit usings (Microsoft.NET.Sdk.Web would).
global using Microsoft.AspNetCore.Builder;
global using Microsoft.AspNetCore.Connections;
global using Microsoft.AspNetCore.Hosting;
global using Microsoft.AspNetCore.Http;
global using Microsoft.Extensions.Hosting;
global using Microsoft.Extensions.Logging;
